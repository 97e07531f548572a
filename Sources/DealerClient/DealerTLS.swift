import NIOCore
import NIOSSL

/// TLS for a client's connections (`DealerConnection.connect`,
/// `DealerClientPool.Configuration.tls`): TLS 1.2 or later, 1.3 preferred.
///
/// The server's certificate must chain to `trustRoots` and name the server:
/// one of its subject alternative names must be `serverHostname` (sent as
/// SNI; nil: the host connected to) or the IP address connected to. For
/// mutual TLS set `certificateChain` and `privateKey`.
///
/// ```swift
/// let tls = DealerTLS(trustRoots: .file("/etc/dealer/ca.pem"),
///                     certificateChain: .file("/etc/dealer/client.pem"),
///                     privateKey: .file("/etc/dealer/client.key"))
/// let connection = try await DealerConnection.connect(host: "dealer.internal", port: 7420, tls: tls)
/// ```
public struct DealerTLS: Sendable, Hashable {
    /// PEM data, in a file or in memory.
    public enum PEM: Sendable, Hashable {
        case file(String)
        case string(String)
    }

    /// CA certificates the server's certificate must chain to; nil: the
    /// system's trust store.
    public var trustRoots: PEM?
    /// The client's certificate (then any intermediates), for mutual TLS.
    public var certificateChain: PEM?
    /// The private key of `certificateChain`'s first certificate.
    public var privateKey: PEM?
    /// The name the server's certificate must carry, sent as SNI; nil: the
    /// host connected to.
    public var serverHostname: String?

    public init(
        trustRoots: PEM? = nil, certificateChain: PEM? = nil, privateKey: PEM? = nil, serverHostname: String? = nil
    ) {
        self.trustRoots = trustRoots
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.serverHostname = serverHostname
    }

    /// TLS from PEM files named on a command line (`--tls-ca`, `--tls-cert`,
    /// `--tls-key`): nil, meaning plain TCP, when no file is given; with
    /// only a certificate and key, the system's trust store.
    public static func files(ca: String?, certificate: String?, key: String?) -> DealerTLS? {
        guard ca != nil || certificate != nil || key != nil else { return nil }
        return DealerTLS(trustRoots: ca.map(PEM.file), certificateChain: certificate.map(PEM.file), privateKey: key.map(PEM.file))
    }

    /// The TLS settings cannot be used: a file is missing or not PEM, or a
    /// certificate comes without its key.
    public struct ConfigurationError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Loads the certificates and key into a context for `NIOSSLClientHandler`.
    func makeContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let trustRoots {
            configuration.trustRoots = .certificates(try Self.certificates(trustRoots, "trust roots"))
        }
        switch (certificateChain, privateKey) {
        case (nil, nil):
            break
        case (let chain?, let key?):
            configuration.certificateChain = try Self.certificates(chain, "client certificate").map { .certificate($0) }
            configuration.privateKey = .privateKey(try Self.privateKey(key))
        default:
            throw ConfigurationError(message: "a TLS client certificate needs its private key, and a key its certificate")
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConfigurationError(
                message: "cannot use the TLS client certificate with its private key (does the key match?): \(error)")
        }
    }

    /// The handler that runs TLS on a connection to `host`.
    func makeHandler(context: NIOSSLContext, host: String) throws -> NIOSSLClientHandler {
        let name = serverHostname ?? host
        // An IP address is not a valid SNI name: the certificate is then
        // checked against the address connected to.
        let isIPAddress = (try? SocketAddress(ipAddress: name, port: 0)) != nil
        return try NIOSSLClientHandler(context: context, serverHostname: isIPAddress ? nil : name)
    }

    /// Whether `error` comes from TLS (a failed handshake, an alert).
    static func isTLSError(_ error: any Error) -> Bool {
        error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError
    }

    private static func certificates(_ pem: PEM, _ what: String) throws -> [NIOSSLCertificate] {
        let certificates = try load(pem, what, file: NIOSSLCertificate.fromPEMFile, bytes: NIOSSLCertificate.fromPEMBytes)
        guard !certificates.isEmpty else { throw ConfigurationError(message: "no PEM certificate in the TLS \(what)") }
        return certificates
    }

    private static func privateKey(_ pem: PEM) throws -> NIOSSLPrivateKey {
        try load(
            pem, "client private key", file: { try NIOSSLPrivateKey(file: $0, format: .pem) },
            bytes: { try NIOSSLPrivateKey(bytes: $0, format: .pem) })
    }

    private static func load<T>(
        _ pem: PEM, _ what: String, file: (String) throws -> T, bytes: ([UInt8]) throws -> T
    ) throws -> T {
        switch pem {
        case .file(let path):
            do {
                return try file(path)
            } catch {
                throw ConfigurationError(message: "cannot read the TLS \(what) file \(path): \(error)")
            }
        case .string(let text):
            do {
                return try bytes(Array(text.utf8))
            } catch {
                throw ConfigurationError(message: "the TLS \(what) is not valid PEM: \(error)")
            }
        }
    }
}

/// `DealerTLS` with its certificates and key loaded, shared by every
/// connection made with it.
struct LoadedTLS: Sendable {
    let settings: DealerTLS
    let context: NIOSSLContext

    init(_ settings: DealerTLS) throws {
        self.settings = settings
        self.context = try settings.makeContext()
    }

    func makeHandler(host: String) throws -> NIOSSLClientHandler {
        try settings.makeHandler(context: context, host: host)
    }
}
