@testable import dealerctl
import Foundation
import Testing

@Suite("Passwords file of migrate groups")
struct PasswordsFileTests {
    private func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("passwords-\(UUID().uuidString).tsv").path
    }

    private func permissions(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func recordsAreSavedWithMode0600AndReadBack() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var file = try PasswordsFile.load(path: path)
        #expect(file.entries.isEmpty)
        let pending = PasswordsFile.Entry(groupID: 5, groupName: "Store 5", accountID: 0, login: "client-5", password: "pw 1")
        try file.record(pending)
        try file.record(.init(groupID: 6, groupName: "Store 6", accountID: 0, login: "client-6", password: "pw 2"))
        var converted = pending
        converted.accountID = 90
        try file.record(converted)
        #expect(try permissions(path) == 0o600)
        let reread = try PasswordsFile.load(path: path)
        #expect(reread.entries.map(\.groupID) == [5, 6])
        #expect(reread.entry(groupID: 5) == converted)
        #expect(reread.entry(groupID: 6)?.accountID == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("6\tStore 6\t-\tclient-6\tpw 2\n"))
    }

    @Test func aFileOthersCanReadIsRefused() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(), attributes: [.posixPermissions: 0o644]))
        #expect(throws: CommandFailure.self) { try PasswordsFile.load(path: path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(try PasswordsFile.load(path: path).entries.isEmpty)
    }

    @Test func aMalformedLineIsAnError() {
        #expect(throws: CommandFailure.self) { try PasswordsFile.parse("5\tStore\t-\tlogin\n", path: "f") }
        #expect(throws: CommandFailure.self) { try PasswordsFile.parse("x\tStore\t-\tlogin\tpw\n", path: "f") }
    }
}
