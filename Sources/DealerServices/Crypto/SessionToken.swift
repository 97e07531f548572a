/// Bearer tokens: 256 random bits, shown to the client once as 64 hex
/// characters; only their SHA-256 is stored.
public enum SessionToken {
    /// A new token and the hash to store for it.
    public static func generate() -> (token: String, hash: [UInt8]) {
        let token = hex(Sodium.randomBytes(32))
        return (token, hash(token))
    }

    /// The stored form of a token.
    public static func hash(_ token: String) -> [UInt8] {
        Sodium.sha256(token.utf8)
    }

    /// The stored form of a token given as its UTF-8 bytes.
    public static func hash(_ tokenUTF8: some Collection<UInt8>) -> [UInt8] {
        Sodium.sha256(tokenUTF8)
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
