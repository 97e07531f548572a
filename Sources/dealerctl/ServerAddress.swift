import ArgumentParser

/// A server's host and port, as given by `--server host:port`.
struct ServerAddress: Hashable {
    static let defaultHost = "127.0.0.1"
    static let defaultPort = 7420

    var host = ServerAddress.defaultHost
    var port = ServerAddress.defaultPort

    init(host: String = ServerAddress.defaultHost, port: Int = ServerAddress.defaultPort) {
        self.host = host
        self.port = port
    }

    /// `host:port`, `host` (port 7420), `[v6]:port` or `[v6]`.
    init(parsing text: String) throws {
        var host = Substring(text)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw ValidationError("--server \(text): no closing ']'") }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw ValidationError("--server \(text): expected host:port") }
                portText = rest.dropFirst()
            }
        } else if let colon = host.lastIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        guard !host.isEmpty else { throw ValidationError("--server \(text): no host") }
        self.host = String(host)
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw ValidationError("--server \(text): the port must be a number from 1 to 65535")
            }
            self.port = port
        }
    }
}
