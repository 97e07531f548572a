import DealerClient
import DealerProtocol
import NIOCore
import Prometheus
import Testing

@testable import DealerServer
import DealerTestSupport

/// Certificates come from `withTestCertificates` (openssl at run time): a CA,
/// a server certificate for 127.0.0.1/localhost, a client certificate from
/// the CA, and an unrelated CA with a client certificate of its own.
@Suite("TLS: server certificate, mutual TLS, peers that do not speak TLS", .timeLimit(.minutes(2)))
struct TLSTests {
    /// Bounds a failing connect; every refusal below comes long before it.
    static let connectBound: TimeAmount = .seconds(60)

    /// Connects with `tls`, expecting the connect to fail; returns its error.
    private func connectError(
        port: Int, tls: DealerTLS?, sourceLocation: SourceLocation = #_sourceLocation
    ) async -> RPCError? {
        await #expect(throws: RPCError.self, sourceLocation: sourceLocation) {
            let connection = try await DealerConnection.connect(
                host: "127.0.0.1", port: port, connectTimeout: Self.connectBound, tls: tls)
            await connection.close()
        }
    }

    /// Connects with `tls` and expects UNAVAILABLE with one of `reasons`.
    private func expectRefused(
        port: Int, tls: DealerTLS?, reasons: Set<RPCError.Reason>, sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        let error = await connectError(port: port, tls: tls, sourceLocation: sourceLocation)
        #expect(error?.code == .unavailable, "\(String(describing: error))", sourceLocation: sourceLocation)
        #expect(error.map { reasons.contains($0.reason) } == true, "\(String(describing: error))", sourceLocation: sourceLocation)
    }

    @Test("a TLS client checks health and makes an authenticated call")
    func tlsClientCallsServices() async throws {
        try await withTestCertificates { certificates in
            try await withServicesTestServer(configure: { $0.tls = certificates.serverTLS() }) { server in
                let connection = try await server.connect(tls: certificates.clientTLS())
                #expect(try await connection.call(Health_V1_Health.check, .init()).status == .serving)
                let account = try await connection.signUpAndLogin(name: "TLS Holdings", login: "tls-admin")
                let me = try await connection.call(Auth_V1_AuthService.whoAmI, .init(), token: account.token)
                #expect(me.session?.login == "tls-admin")
                await connection.close()
            }
        }
    }

    @Test("the certificate must name the server: the name asked for passes, another name is refused")
    func serverNameIsVerified() async throws {
        try await withTestCertificates { certificates in
            let named = ServerTLSConfiguration(
                certificateChainFile: certificates.namedServerCertificateFile,
                privateKeyFile: certificates.namedServerKeyFile)
            try await withTestServer(configure: { $0.tls = named }) { server in
                var tls = certificates.clientTLS()
                tls.serverHostname = TestCertificates.namedServerName
                let connection = try await server.connect(tls: tls)
                #expect(try await connection.call(Health_V1_Health.check, .init()).status == .serving)
                await connection.close()

                tls.serverHostname = "other.test"
                await expectRefused(port: server.port, tls: tls, reasons: [.tlsHandshakeFailed])
                // Connected by IP address, which the certificate does not name.
                await expectRefused(port: server.port, tls: certificates.clientTLS(), reasons: [.tlsHandshakeFailed])
            }
        }
    }

    @Test("a plain client against a TLS port fails UNAVAILABLE when the server closes, without waiting for a timeout")
    func plainClientAgainstTLSPort() async throws {
        try await withTestCertificates { certificates in
            try await withTestServer(configure: { $0.tls = certificates.serverTLS() }) { server in
                await expectRefused(port: server.port, tls: nil, reasons: [.connectionClosed])
            }
        }
    }

    @Test("a TLS client against a plain port fails UNAVAILABLE TLS_HANDSHAKE_FAILED")
    func tlsClientAgainstPlainPort() async throws {
        try await withTestCertificates { certificates in
            try await withTestServer { server in
                await expectRefused(port: server.port, tls: certificates.clientTLS(), reasons: [.tlsHandshakeFailed])
            }
        }
    }

    @Test("a client that does not trust the server's CA is refused")
    func untrustedServer() async throws {
        try await withTestCertificates { certificates in
            try await withTestServer(configure: { $0.tls = certificates.serverTLS() }) { server in
                let tls = DealerTLS(trustRoots: .file(certificates.otherCAFile))
                await expectRefused(port: server.port, tls: tls, reasons: [.tlsHandshakeFailed])
            }
        }
    }

    @Test("mutual TLS: a client certificate from the CA is served; none, or one from another CA, is refused")
    func mutualTLS() async throws {
        try await withTestCertificates { certificates in
            try await withTestServer(configure: { $0.tls = certificates.serverTLS(mutual: true) }) { server in
                let trusted = try await server.connect(tls: certificates.clientTLS(certificate: true))
                #expect(try await trusted.call(Health_V1_Health.check, .init()).status == .serving)

                await expectRefused(
                    port: server.port, tls: certificates.clientTLS(certificate: false),
                    reasons: [.tlsHandshakeFailed])
                let foreign = DealerTLS(
                    trustRoots: .file(certificates.caFile),
                    certificateChain: .file(certificates.otherClientCertificateFile),
                    privateKey: .file(certificates.otherClientKeyFile))
                await expectRefused(port: server.port, tls: foreign, reasons: [.tlsHandshakeFailed])

                // The refusals did not disturb the connection already open.
                #expect(try await trusted.call(Health_V1_Health.check, .init()).status == .serving)
                await trusted.close()
            }
        }
    }

    @Test("a failed TLS handshake is logged at info level with the peer, counted in the metrics, and the connection closed")
    func handshakeFailureIsLogged() async throws {
        let recorder = RecordingLogHandler.Recorder()
        let metrics = ServerMetrics()
        try await withTestCertificates { certificates in
            try await withServicesTestServer(
                configure: {
                    $0.tls = certificates.serverTLS(mutual: true)
                    $0.metrics = metrics
                }, logger: recorder.logger()
            ) { server in
                #expect(Self.handshakeFailures(metrics) == 0)
                await expectRefused(port: server.port, tls: nil, reasons: [.connectionClosed])
                // A TLS client without the client certificate mutual TLS asks for.
                await expectRefused(
                    port: server.port, tls: certificates.clientTLS(certificate: false), reasons: [.tlsHandshakeFailed])
                try await Self.waitForHandshakeFailures(2, metrics)
            }
        }
        let failures = recorder.all.filter { $0.contains("TLS handshake failed") }
        #expect(failures.count == 2, "\(recorder.all)")
        #expect(Self.handshakeFailures(metrics) == 2)
        #expect(failures.first?.hasPrefix("info ") == true)
        #expect(failures.first?.contains("peer") == true)
    }

    /// `dealer_tls_handshake_failures_total` as the metrics endpoint would show it.
    private static func handshakeFailures(_ metrics: ServerMetrics) -> Int? {
        var exposition: [UInt8] = []
        metrics.registry.emit(into: &exposition)
        let line = String(decoding: exposition, as: UTF8.self).split(separator: "\n")
            .first { $0.hasPrefix("dealer_tls_handshake_failures_total ") }
        return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }.map { Int($0) }
    }

    /// Polls until `count` failures are counted (a failure bound, not an
    /// expected duration: the client may see the refusal a moment before the
    /// server's pipeline reports it).
    private static func waitForHandshakeFailures(_ count: Int, _ metrics: ServerMetrics) async throws {
        for _ in 0..<2_000 where (handshakeFailures(metrics) ?? 0) < count {
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test("a peer that never starts the TLS handshake is closed by the handshake timeout")
    func silentPeerIsClosed() async throws {
        try await withTestCertificates { certificates in
            try await withTestServer(configure: {
                $0.tls = certificates.serverTLS()
                $0.handshakeTimeout = .milliseconds(200)
            }) { server in
                let silent = try await server.raw()
                // Returns only once the server closed the connection.
                let frames = await silent.frames.collectUntilClosed()
                #expect(frames.isEmpty)
                #expect(!silent.channel.isActive)
            }
        }
    }

    @Test("over TLS, a connection above the limit completes the handshake, then gets GoAway TOO_MANY_CONNECTIONS")
    func connectionLimitOverTLS() async throws {
        try await withTestCertificates { certificates in
            try await withTestServer(configure: {
                $0.tls = certificates.serverTLS()
                $0.maxConnections = 1
            }) { server in
                let first = try await server.connect(tls: certificates.clientTLS())
                let error = await connectError(port: server.port, tls: certificates.clientTLS())
                #expect(error?.code == .resourceExhausted, "\(String(describing: error))")
                #expect(error?.reason == .tooManyConnections, "\(String(describing: error))")
                #expect(try await first.call(Health_V1_Health.check, .init()).status == .serving)
                await first.close()
            }
        }
    }

    @Test("over TLS, a peer above the limit that never completes the handshake is closed by the handshake timeout")
    func refusedSilentPeerIsClosed() async throws {
        try await withTestCertificates { certificates in
            try await withTestServer(configure: {
                $0.tls = certificates.serverTLS()
                $0.maxConnections = 1
                $0.handshakeTimeout = .seconds(1)
            }) { server in
                // The first silent peer holds the one slot, so the second is
                // refused; neither ever sends a byte.
                let admitted = try await server.raw()
                let refused = try await server.raw()
                #expect(await refused.frames.collectUntilClosed().isEmpty)
                #expect(await admitted.frames.collectUntilClosed().isEmpty)
            }
        }
    }

    @Test("missing or unusable TLS files fail the start with a message naming the file")
    func badFilesFailTheStart() async throws {
        try await withTestCertificates { certificates in
            let missing = certificates.path("missing.pem")
            let cases: [(ServerTLSConfiguration, String)] = [
                (ServerTLSConfiguration(certificateChainFile: missing, privateKeyFile: certificates.serverKeyFile), missing),
                (ServerTLSConfiguration(
                    certificateChainFile: certificates.serverCertificateFile, privateKeyFile: missing), missing),
                (ServerTLSConfiguration(
                    certificateChainFile: certificates.serverCertificateFile, privateKeyFile: certificates.serverKeyFile,
                    clientCAFile: certificates.serverKeyFile), certificates.serverKeyFile),
                (ServerTLSConfiguration(
                    certificateChainFile: certificates.serverCertificateFile,
                    privateKeyFile: certificates.clientKeyFile), "does the key match"),
            ]
            for (tls, named) in cases {
                let error = await #expect(throws: TLSSetupError.self) {
                    try await withTestServer(configure: { $0.tls = tls }) { _ in }
                }
                #expect(error?.message.contains(named) == true, "\(String(describing: error))")
            }
        }
    }
}
