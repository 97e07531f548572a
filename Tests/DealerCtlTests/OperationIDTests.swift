@testable import dealerctl
import Testing

@Suite("SHA-256 and derived operation ids")
struct OperationIDTests {
    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0 >> 4, radix: 16) + String($0 & 0x0f, radix: 16) }.joined()
    }

    @Test func sha256MatchesTheFIPSVectors() {
        #expect(hex(SHA256.hash([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // 56 bytes: the padding needs a second block.
        #expect(
            hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            hex(SHA256.hash([UInt8](repeating: 0x61, count: 1000)))
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func convertGroupIDIsAStableVersion8UUIDOfDealerAndGroup() throws {
        let id = OperationID.convertGroup(dealerAccountID: 7, groupID: 42)
        #expect(id == OperationID.convertGroup(dealerAccountID: 7, groupID: 42))
        let digest = hex(SHA256.hash(Array("7:42:convert-group".utf8)))
        let parts = id.split(separator: "-").map(String.init)
        #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
        #expect(parts[0] == String(digest.prefix(8)))
        #expect(parts[2].first == "8")
        #expect("89ab".contains(try #require(parts[3].first)))
        #expect(id == id.lowercased())
        #expect(id != OperationID.convertGroup(dealerAccountID: 7, groupID: 43))
        #expect(id != OperationID.convertGroup(dealerAccountID: 8, groupID: 42))
    }

    @Test func generatedPasswordsAreLongFromTheAlphabetAndDiffer() {
        let first = OneTimePassword.generate()
        let second = OneTimePassword.generate()
        #expect(first.count == 20 && second.count == 20)
        #expect(first.allSatisfy(OneTimePassword.alphabet.contains))
        #expect(first != second)
    }
}
