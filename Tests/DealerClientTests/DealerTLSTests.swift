import DealerClient
import DealerProtocol
import DealerServer
import DealerTestSupport
import Foundation
import Testing

@Suite("DealerTLS: the client library over TLS and mutual TLS", .timeLimit(.minutes(2)))
struct DealerTLSTests {
    @Test("a pool with a client certificate serves calls over every connection of a mutual-TLS server")
    func poolOverMutualTLS() async throws {
        try await withTestCertificates { certificates in
            try await withTestServer(
                methods: TestMethods.table(gates: Gates()), configure: { $0.tls = certificates.serverTLS(mutual: true) }
            ) { server in
                var configuration = DealerClientPool.Configuration(host: "127.0.0.1", port: server.port)
                configuration.connections = 3
                configuration.tls = certificates.clientTLS(certificate: true)
                try await withDealerClientPool(configuration: configuration) { pool in
                    // Echo, not Health: ClientMetricsTests counts the process's Health calls.
                    try await withThrowingTaskGroup(of: Health_V1_ServingStatus.self) { group in
                        for _ in 0..<60 { group.addTask { try await pool.call(TestMethods.echo, .init()).status } }
                        var serving = 0
                        for try await status in group where status == .serving { serving += 1 }
                        #expect(serving == 60)
                    }
                }
            }
        }
    }

    @Test("trust roots, certificate and key given as PEM text work like files")
    func pemStrings() async throws {
        try await withTestCertificates { certificates in
            try await withTestServer(configure: { $0.tls = certificates.serverTLS(mutual: true) }) { server in
                func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
                let tls = DealerTLS(
                    trustRoots: .string(try text(certificates.caFile)),
                    certificateChain: .string(try text(certificates.clientCertificateFile)),
                    privateKey: .string(try text(certificates.clientKeyFile)))
                let connection = try await server.connect(tls: tls)
                #expect(try await connection.call(Health_V1_Health.check, .init()).status == .serving)
                await connection.close()
            }
        }
    }

    @Test("unusable TLS settings fail with a ConfigurationError naming what is wrong, before connecting")
    func badSettings() async throws {
        try await withTestCertificates { certificates in
            let missing = certificates.path("missing.pem")
            let cases: [(DealerTLS, String)] = [
                (DealerTLS(trustRoots: .file(missing)), missing),
                (DealerTLS(trustRoots: .string("not a certificate")), "trust roots"),
                (DealerTLS(certificateChain: .file(certificates.clientCertificateFile)), "needs its private key"),
                (DealerTLS(
                    certificateChain: .file(certificates.clientCertificateFile),
                    privateKey: .file(certificates.otherClientKeyFile)), "does the key match"),
            ]
            for (tls, named) in cases {
                let error = await #expect(throws: DealerTLS.ConfigurationError.self) {
                    _ = try await DealerConnection.connect(host: "127.0.0.1", port: 1, tls: tls)
                }
                #expect(error?.message.contains(named) == true, "\(String(describing: error))")
            }
        }
    }

    @Test("a pool whose TLS files cannot be loaded: run() throws the ConfigurationError and calls fail at once")
    func poolWithBadSettings() async throws {
        var configuration = DealerClientPool.Configuration(host: "127.0.0.1", port: 1)
        configuration.tls = DealerTLS(trustRoots: .file("/nonexistent/dealer-ca.pem"))
        let pool = DealerClientPool(configuration: configuration)
        await #expect(throws: DealerTLS.ConfigurationError.self) { try await pool.run() }
        let error = await #expect(throws: RPCError.self) { try await pool.call(TestMethods.echo, .init()) }
        #expect(error?.code == .unavailable)
    }

    @Test("command-line files: none means plain TCP; any makes TLS with those files")
    func commandLineFiles() {
        #expect(DealerTLS.files(ca: nil, certificate: nil, key: nil) == nil)
        #expect(DealerTLS.files(ca: "ca.pem", certificate: nil, key: nil) == DealerTLS(trustRoots: .file("ca.pem")))
        #expect(
            DealerTLS.files(ca: nil, certificate: "c.pem", key: "c.key")
                == DealerTLS(certificateChain: .file("c.pem"), privateKey: .file("c.key")))
    }
}
