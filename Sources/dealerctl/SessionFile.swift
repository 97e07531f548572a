import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The session `dealerctl login` keeps for one server:
/// `$XDG_CONFIG_HOME/dealerctl/<host>_<port>.session` (`~/.config` when
/// XDG_CONFIG_HOME is unset), the token and a newline. The directory is
/// created 0700 and the file 0600 (created with that mode, never widened).
struct SessionFile {
    let path: String
    let directory: String

    init(server: ServerAddress, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let configHome: String
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty {
            configHome = xdg
        } else {
            configHome = (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        }
        directory = configHome + "/dealerctl"
        path = directory + "/" + Self.fileName(server)
    }

    /// `<host>_<port>.session`, any character but letters, digits, '.' and '-' of the host as '_'.
    static func fileName(_ server: ServerAddress) -> String {
        let host = String(server.host.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") ? $0 : "_" })
        return "\(host)_\(server.port).session"
    }

    /// The stored token, or nil when there is none.
    func read() -> String? {
        guard let data = FileManager.default.contents(atPath: path),
            let token = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            !token.isEmpty
        else { return nil }
        return token
    }

    /// Stores `token`: written to a new 0600 file beside the old one, then
    /// renamed over it, so a reader never sees half a token.
    func store(_ token: String) throws {
        try makeDirectory()
        let temporary = "\(path).\(getpid()).tmp"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CommandFailure("cannot create \(temporary): \(errorText())") }
        let bytes = Array((token + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let closed = close(descriptor)
        guard written == bytes.count, closed == 0 else {
            unlink(temporary)
            throw CommandFailure("cannot write \(temporary): \(errorText())")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw CommandFailure("cannot store the session in \(path): \(errorText())")
        }
    }

    /// Deletes the stored session; true when there was one.
    @discardableResult
    func remove() throws -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw CommandFailure("cannot remove \(path): \(errorText())")
    }

    /// The config home (if missing, with the default mode) and then the
    /// dealerctl directory with mode 0700.
    private func makeDirectory() throws {
        let parent = (directory as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        if mkdir(directory, 0o700) != 0, errno != EEXIST {
            throw CommandFailure("cannot create \(directory): \(errorText())")
        }
    }

    private func errorText() -> String { String(cString: strerror(errno)) }
}
