import ArgumentParser
import DealerClient

/// `--tls-ca`, `--tls-cert`, `--tls-key`: connect over TLS (any of them given) instead of plain TCP.
struct TLSOptions: ParsableArguments {
    @Option(help: "PEM CA certificate(s) the server's certificate must chain to: connect over TLS (default trust: the system's).")
    var tlsCa: String?

    @Option(help: "PEM client certificate, for a server that requires mutual TLS (needs --tls-key).")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
    }

    /// Nil (plain TCP) when no TLS option is given.
    var settings: DealerTLS? { DealerTLS.files(ca: tlsCa, certificate: tlsCert, key: tlsKey) }
}
