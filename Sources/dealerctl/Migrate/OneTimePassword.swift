/// Generated first passwords of migrated accounts' administrators.
enum OneTimePassword {
    /// Letters and digits without the look-alikes 0/O, 1/l/I.
    static let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")

    /// `length` characters drawn uniformly from `alphabet` with the system's
    /// cryptographic generator (getrandom on Linux): 20 characters ≈ 116 bits.
    static func generate(length: Int = 20) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
