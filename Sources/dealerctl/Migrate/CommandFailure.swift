import ArgumentParser

/// A failure of a CLI command that is not a server's answer (a bad input file,
/// a file system error): printed as the message on stderr, exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}

/// Runs `body`; a `CommandFailure` is printed on stderr and becomes exit code 1.
func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let failure as CommandFailure {
        printError("dealerctl: \(failure.description)")
        throw ExitCode.failure
    }
}
