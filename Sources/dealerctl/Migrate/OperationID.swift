/// Operation ids of migration calls, derived from what they act on so that a
/// re-run after an interruption repeats the same call (the server answers it
/// from its record instead of doing it twice).
enum OperationID {
    /// The ConvertGroupToClient operation id of `groupID` of the dealer
    /// account `dealerAccountID`: the first 16 bytes of
    /// SHA-256("<dealer account id>:<group id>:convert-group") as a UUID
    /// (version 8, "custom"; RFC 9562 variant), lowercase.
    static func convertGroup(dealerAccountID: Int64, groupID: Int64) -> String {
        uuid(from: SHA256.hash(Array("\(dealerAccountID):\(groupID):convert-group".utf8)))
    }

    /// The first 16 bytes of `digest` shaped as a version-8 UUID: 8-4-4-4-12 lowercase hex digits.
    static func uuid(from digest: [UInt8]) -> String {
        var bytes = Array(digest.prefix(16))
        bytes[6] = bytes[6] & 0x0f | 0x80
        bytes[8] = bytes[8] & 0x3f | 0x80
        let hex = bytes.map { byte in String(byte >> 4, radix: 16) + String(byte & 0x0f, radix: 16) }
        return [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hex[$0].joined() }.joined(separator: "-")
    }
}
