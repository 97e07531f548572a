@testable import dealerctl
import Testing

@Suite("Accounts file of migrate accounts")
struct AccountsFileTests {
    @Test func readsTabAndCommaLinesAndSkipsCommentsAndBlanks() throws {
        let text = "# old accounts\n\nshop-1\tpass word,1\r\nshop-2,p,a\tss\n   # indented comment\n"
        let accounts = try AccountsFile.parse(text, path: "f")
        #expect(
            accounts == [
                .init(login: "shop-1", password: "pass word,1", line: 3),
                .init(login: "shop-2", password: "p,a\tss", line: 4),
            ])
    }

    @Test func aLineWithoutSeparatorOrPasswordIsAnErrorWithItsNumber() {
        #expect(throws: CommandFailure.self) { try AccountsFile.parse("ok,pw\nno-separator\n", path: "f") }
        do {
            _ = try AccountsFile.parse("ok,pw\nno-separator\n", path: "f")
        } catch let failure as CommandFailure {
            #expect(failure.description.hasPrefix("f:2:"))
        } catch {}
        #expect(throws: CommandFailure.self) { try AccountsFile.parse("login,\n", path: "f") }
    }
}
