import DealerClient
import DealerServer
import Foundation

/// PEM files made at run time with Debian's `openssl` in a temporary
/// directory: a CA, a server certificate from it for 127.0.0.1 and
/// localhost (and one for the DNS name `namedServerName` only), a client
/// certificate from it, and an unrelated second CA with
/// a client certificate of its own. Made only by `withTestCertificates`.
public struct TestCertificates: Sendable {
    public let directory: String

    /// The CA that issued the server and client certificates.
    public var caFile: String { path("ca.pem") }
    public var serverCertificateFile: String { path("server.pem") }
    public var serverKeyFile: String { path("server.key") }
    /// A server certificate from `caFile` for the DNS name `namedServerName` only.
    public var namedServerCertificateFile: String { path("named-server.pem") }
    public var namedServerKeyFile: String { path("named-server.key") }
    public static let namedServerName = "dealer.test"
    public var clientCertificateFile: String { path("client.pem") }
    public var clientKeyFile: String { path("client.key") }
    /// A CA unrelated to the server and its clients.
    public var otherCAFile: String { path("other-ca.pem") }
    /// A client certificate issued by `otherCAFile`.
    public var otherClientCertificateFile: String { path("other-client.pem") }
    public var otherClientKeyFile: String { path("other-client.key") }

    /// The server's TLS, with mutual TLS against `caFile` when `mutual`.
    public func serverTLS(mutual: Bool = false) -> ServerTLSConfiguration {
        ServerTLSConfiguration(
            certificateChainFile: serverCertificateFile, privateKeyFile: serverKeyFile,
            clientCAFile: mutual ? caFile : nil)
    }

    /// A client that trusts `caFile` and, with `certificate`, presents the client certificate of `caFile`.
    public func clientTLS(certificate: Bool = false) -> DealerTLS {
        DealerTLS(
            trustRoots: .file(caFile),
            certificateChain: certificate ? .file(clientCertificateFile) : nil,
            privateKey: certificate ? .file(clientKeyFile) : nil)
    }

    public func path(_ name: String) -> String { directory + "/" + name }

    /// Runs openssl for every file; throws when it fails.
    static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("dealer-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        do {
            try certificates.makeCA("ca", name: "dealer test CA")
            try certificates.makeLeaf(
                "server", name: "localhost", issuer: "ca",
                extensions: "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
            try certificates.makeLeaf(
                "named-server", name: namedServerName, issuer: "ca",
                extensions: "subjectAltName=DNS:\(namedServerName)\nextendedKeyUsage=serverAuth\n")
            try certificates.makeLeaf(
                "client", name: "dealer test client", issuer: "ca", extensions: "extendedKeyUsage=clientAuth\n")
            try certificates.makeCA("other-ca", name: "unrelated test CA")
            try certificates.makeLeaf(
                "other-client", name: "unrelated test client", issuer: "other-ca",
                extensions: "extendedKeyUsage=clientAuth\n")
        } catch {
            certificates.remove()
            throw error
        }
        return certificates
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func makeCA(_ file: String, name: String) throws {
        try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", path(file + ".key"), "-out", path(file + ".pem"), "-days", "2", "-subj", "/CN=\(name)",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
    }

    private func makeLeaf(_ file: String, name: String, issuer: String, extensions: String) throws {
        try Data(("basicConstraints=CA:FALSE\n" + extensions).utf8).write(to: URL(fileURLWithPath: path(file + ".ext")))
        try openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", path(file + ".key"), "-out", path(file + ".csr"), "-subj", "/CN=\(name)",
        ])
        try openssl([
            "x509", "-req", "-in", path(file + ".csr"), "-CA", path(issuer + ".pem"), "-CAkey", path(issuer + ".key"),
            "-set_serial", "\(UInt32.random(in: 1...UInt32.max))", "-days", "2",
            "-extfile", path(file + ".ext"), "-out", path(file + ".pem"),
        ])
    }

    /// The openssl command failed; `output` is what it printed.
    public struct OpenSSLFailed: Error, CustomStringConvertible {
        public let arguments: [String]
        public let output: String
        public var description: String { "openssl \(arguments.joined(separator: " ")) failed: \(output)" }
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OpenSSLFailed(arguments: arguments, output: String(decoding: printed, as: UTF8.self))
        }
    }
}

/// Runs `body` with freshly made `TestCertificates` and removes them on
/// every path out of it.
public func withTestCertificates<Result>(_ body: (TestCertificates) async throws -> Result) async throws -> Result {
    let certificates = try TestCertificates.make()
    defer { certificates.remove() }
    return try await body(certificates)
}
