@testable import dealerctl
import DealerClient
import Testing

@Suite("dealerctl --tls-ca, --tls-cert, --tls-key")
struct TLSOptionsTests {
    @Test("no TLS option: plain TCP")
    func plainByDefault() throws {
        #expect(try ConnectionOptions.parse([]).tls.settings == nil)
    }

    @Test("the options become the connection's TLS files")
    func filesBecomeSettings() throws {
        let options = try ConnectionOptions.parse(["--tls-ca", "ca.pem", "--tls-cert", "me.pem", "--tls-key", "me.key"])
        #expect(
            options.tls.settings
                == DealerTLS(trustRoots: .file("ca.pem"), certificateChain: .file("me.pem"), privateKey: .file("me.key")))
    }

    @Test("a certificate without its key is a usage error")
    func certificateNeedsKey() {
        #expect(throws: (any Error).self) { try ConnectionOptions.parse(["--tls-cert", "me.pem"]) }
    }
}
