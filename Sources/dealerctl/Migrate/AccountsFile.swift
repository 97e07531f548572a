/// The list of old per-client accounts `migrate accounts --from FILE` reads:
/// one `login<TAB>password` or `login,password` per line, split at the first
/// tab or comma (logins hold neither); the password is the rest of the line,
/// verbatim (a CR before the line feed is dropped). Blank lines and lines
/// starting with `#` are skipped.
struct AccountsFile {
    struct Account: Equatable {
        var login: String
        var password: String
        /// 1-based, for messages.
        var line: Int
    }

    static func parse(_ text: String, path: String) throws -> [Account] {
        var accounts: [Account] = []
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine[...]
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let separator = line.firstIndex(where: { $0 == "\t" || $0 == "," }) else {
                throw CommandFailure("\(path):\(index + 1): expected login<TAB>password or login,password")
            }
            let login = line[..<separator].trimmingSpaces
            let password = String(line[line.index(after: separator)...])
            guard !login.isEmpty, !password.isEmpty else {
                throw CommandFailure("\(path):\(index + 1): empty login or password")
            }
            accounts.append(Account(login: login, password: password, line: index + 1))
        }
        return accounts
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
