/// A connection failed before or during the run.
struct LoadFailure: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
