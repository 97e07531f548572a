/// The outcome of an async call, for `async let` of calls expected to fail.
func outcome<Success>(_ body: () async throws -> Success) async -> Result<Success, any Error> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}
