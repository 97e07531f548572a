import NIOSSL

/// TLS on every connection of the server: TLS 1.2 or later (1.3 preferred,
/// swift-nio-ssl's default cipher suites), and mutual TLS when
/// `clientCAFile` is set. The files are PEM; they are read once, when the
/// server starts.
public struct ServerTLSConfiguration: Sendable, Hashable {
    /// The server's certificate, followed by any intermediates.
    public var certificateChainFile: String
    /// The private key of the first certificate in the chain.
    public var privateKeyFile: String
    /// With a file, every client must present a certificate that chains to one
    /// of its CA certificates (the only trust roots; no hostname check), or
    /// the handshake fails. Nil: clients present none.
    public var clientCAFile: String?

    public init(certificateChainFile: String, privateKeyFile: String, clientCAFile: String? = nil) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.clientCAFile = clientCAFile
    }

    /// Loads the files into a context for `NIOSSLServerHandler`.
    /// - Throws: `TLSSetupError` naming the file that cannot be used.
    func makeContext() throws -> NIOSSLContext {
        let chain = try TLSSetupError.reading("certificate chain", certificateChainFile) {
            let certificates = try NIOSSLCertificate.fromPEMFile(certificateChainFile)
            guard !certificates.isEmpty else { throw TLSSetupError.noCertificates }
            return certificates
        }
        let key = try TLSSetupError.reading("private key", privateKeyFile) {
            try NIOSSLPrivateKey(file: privateKeyFile, format: .pem)
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let clientCAFile {
            let authorities = try TLSSetupError.reading("client CA", clientCAFile) {
                let certificates = try NIOSSLCertificate.fromPEMFile(clientCAFile)
                guard !certificates.isEmpty else { throw TLSSetupError.noCertificates }
                return certificates
            }
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(authorities)
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSSetupError(
                message: "cannot use the TLS certificate chain \(certificateChainFile) with the private key \(privateKeyFile) (does the key match the certificate?): \(error)")
        }
    }
}

/// The TLS files of a `ServerTLSConfiguration` cannot be used; the message
/// names the file and why.
public struct TLSSetupError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    static let noCertificates = TLSSetupError(message: "no PEM certificate in the file")

    static func reading<T>(_ what: String, _ path: String, _ load: () throws -> T) throws -> T {
        do {
            return try load()
        } catch let error as TLSSetupError {
            throw TLSSetupError(message: "cannot read the TLS \(what) file \(path): \(error.message)")
        } catch {
            throw TLSSetupError(message: "cannot read the TLS \(what) file \(path) (missing, unreadable or not PEM): \(error)")
        }
    }
}
