import ArgumentParser
import DealerClient

/// `--tls-ca`, `--tls-cert`, `--tls-key` of the client-library loads (as in
/// dealerctl): connect over TLS when any is given.
struct LoadTLSOptions: ParsableArguments {
    @Option(help: "PEM CA certificate(s) the server's certificate must chain to: connect over TLS.")
    var tlsCa: String?

    @Option(help: "PEM client certificate, for a server that requires mutual TLS (needs --tls-key).")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    /// Nil (plain TCP) when no TLS option is given.
    var settings: DealerTLS? { DealerTLS.files(ca: tlsCa, certificate: tlsCert, key: tlsKey) }
}
