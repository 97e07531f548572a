import DealerProtocol
import Testing

@testable import DealerServices

@Suite("PasswordHasher")
struct PasswordHasherTests {
    @Test("a hash verifies its password and no other; an unknown user never verifies")
    func verify() throws {
        let hasher = PasswordHasher(cost: .minimal)
        let hash = try hasher.hash("correct horse battery")
        #expect(hash.hasPrefix("$argon2id$"))
        #expect(try hasher.verify("correct horse battery", against: hash))
        #expect(try !hasher.verify("correct horse batterY", against: hash))
        #expect(try !hasher.verify("correct horse battery", against: nil))
    }
}
