import Testing

@testable import dealerctl

@Suite("--server host:port")
struct ServerAddressTests {
    @Test func parsesHostAndPortForms() throws {
        #expect(try ServerAddress(parsing: "10.0.0.5:7500") == ServerAddress(host: "10.0.0.5", port: 7500))
        #expect(try ServerAddress(parsing: "dealer.internal") == ServerAddress(host: "dealer.internal", port: 7420))
        #expect(try ServerAddress(parsing: "[::1]:7501") == ServerAddress(host: "::1", port: 7501))
        #expect(try ServerAddress(parsing: "[::1]") == ServerAddress(host: "::1", port: 7420))
    }

    @Test func refusesMalformedAddresses() {
        for text in ["", ":7420", "host:", "host:port", "host:70000", "[::1", "[::1]7420"] {
            #expect(throws: (any Error).self, "\(text)") { try ServerAddress(parsing: text) }
        }
    }

    @Test func sessionFileIsNamedAfterTheServerUnderTheConfigHome() {
        let file = SessionFile(server: ServerAddress(host: "::1", port: 7501), environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"])
        #expect(file.path == "/x/dealerctl/__1_7501.session")
        let fallback = SessionFile(server: ServerAddress(), environment: ["HOME": "/h"])
        #expect(fallback.path == "/h/.config/dealerctl/127.0.0.1_7420.session")
    }
}
