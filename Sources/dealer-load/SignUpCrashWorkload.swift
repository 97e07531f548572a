/// SignUp after SignUp: every acknowledged login must exist.
struct SignUpCrashWorkload: CrashWorkload {
    let writer: CrashWriterContext

    static func prepare(_ writer: CrashWriterContext, log: inout CrashCallLog) async throws -> Self { Self(writer: writer) }

    mutating func step(_ sequence: Int, log: inout CrashCallLog) async throws {
        _ = try await writer.signUp("n\(sequence)", logIn: false, log: &log)
    }
}
