import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file `migrate groups` keeps the converted groups' first administrators
/// in: tab-separated `group_id group_name account_id login password`, one line
/// per group, `#` comments. It is only ever written with mode 0600 (a new file
/// replaces the old one by rename), and a file others may read is refused.
/// An entry is written before its conversion is attempted, so that a re-run
/// after an interruption sends the same password (a ConvertGroupToClient
/// repeat must carry it); `account_id` is `-` until the conversion is confirmed.
struct PasswordsFile {
    struct Entry: Equatable {
        var groupID: Int64
        var groupName: String
        /// The converted account; 0 until the conversion is confirmed.
        var accountID: Int64
        var login: String
        var password: String
    }

    let path: String
    /// In file order.
    private(set) var entries: [Entry]

    static let header = """
        # dealerctl migrate groups: the first administrator of each converted group.
        # Secret: keep this file mode 0600; hand each password to its client once.
        # account_id is "-" until the conversion is confirmed.
        # group_id\tgroup_name\taccount_id\tlogin\tpassword

        """

    /// Reads `path`, or starts an empty file when there is none. Refuses
    /// anything but a regular file readable by its owner only.
    static func load(path: String) throws -> PasswordsFile {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return PasswordsFile(path: path, entries: []) }
            throw CommandFailure("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw CommandFailure("\(path) is not a regular file") }
        let permissions = info.st_mode & 0o777
        guard permissions & 0o077 == 0 else {
            throw CommandFailure(
                "refusing to use \(path): its permissions \(String(permissions, radix: 8)) let other users read "
                    + "passwords (chmod 600 it, or give another --passwords-file)")
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CommandFailure("cannot read \(path): \(error.localizedDescription)")
        }
        return PasswordsFile(path: path, entries: try parse(text, path: path))
    }

    /// The entries of a file's text.
    static func parse(_ text: String, path: String) throws -> [Entry] {
        var entries: [Entry] = []
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 5, let groupID = Int64(fields[0]), fields[2] == "-" || Int64(fields[2]) != nil
            else { throw CommandFailure("\(path):\(index + 1): expected group_id, group_name, account_id, login, password separated by tabs") }
            entries.append(
                Entry(groupID: groupID, groupName: fields[1], accountID: Int64(fields[2]) ?? 0, login: fields[3], password: fields[4]))
        }
        return entries
    }

    /// The file's text for `entries`.
    static func render(_ entries: [Entry]) -> String {
        header
            + entries.map { entry in
                [String(entry.groupID), entry.groupName, entry.accountID == 0 ? "-" : String(entry.accountID), entry.login, entry.password]
                    .joined(separator: "\t") + "\n"
            }.joined()
    }

    func entry(groupID: Int64) -> Entry? {
        entries.first { $0.groupID == groupID }
    }

    /// Adds `entry` (or replaces the one of its group) and saves the file.
    mutating func record(_ entry: Entry) throws {
        if let index = entries.firstIndex(where: { $0.groupID == entry.groupID }) {
            guard entries[index] != entry else { return }
            entries[index] = entry
        } else {
            entries.append(entry)
        }
        try save()
    }

    /// Writes a new file with mode 0600 next to the old one, syncs it, and renames it over.
    private func save() throws {
        let temporary = "\(path).tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw CommandFailure("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(Self.render(entries).utf8)
        var written = 0
        var failure: String?
        if fchmod(descriptor, 0o600) != 0 { failure = "chmod" }
        while failure == nil, written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 { if errno != EINTR { failure = "write" } } else { written += count }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = "fsync" }
        let error = String(cString: strerror(errno))
        close(descriptor)
        guard failure == nil, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw CommandFailure("cannot write \(path) (\(failure ?? "rename")): \(error)")
        }
    }
}
