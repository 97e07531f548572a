import NIOCore
import NIOPosix

/// One HTTP/1.1 GET over a bare TCP connection (`Connection: close`), read to
/// the end: what a scraper sees, without an HTTP client library.
struct PlainHTTPScrape {
    let status: Int
    let contentType: String
    /// The body.
    let text: String

    static func get(port: Int, path: String) async throws -> PlainHTTPScrape {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        var received = ByteBuffer()
        try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(
                ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
            for try await var chunk in inbound { received.writeBuffer(&chunk) }
        }
        let response = String(buffer: received)
        guard let split = response.range(of: "\r\n\r\n") else { throw ScrapeError(response: response) }
        let headLines = response[..<split.lowerBound].split(separator: "\r\n")
        let statusLine = headLines.first?.split(separator: " ") ?? []
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw ScrapeError(response: response) }
        let contentType = headLines.dropFirst()
            .first { $0.lowercased().hasPrefix("content-type:") }
            .map { $0.dropFirst("content-type:".count).trimmingSpaces() } ?? ""
        return PlainHTTPScrape(status: status, contentType: contentType, text: String(response[split.upperBound...]))
    }

    /// The value of the sample `name` whose labels include every pair of
    /// `labels` (none: the unlabelled sample); nil when there is none.
    func sample(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let series = line[..<space]
            let seriesName = series.prefix { $0 != "{" }
            guard seriesName == name else { continue }
            let labelText = series.dropFirst(seriesName.count)
            guard labels.allSatisfy({ labelText.contains("\($0.key)=\"\($0.value)\"") }) else { continue }
            if labels.isEmpty && !labelText.isEmpty { continue }
            return Double(line[line.index(after: space)...])
        }
        return nil
    }

    struct ScrapeError: Error, CustomStringConvertible {
        let response: String
        var description: String { "not an HTTP response: \(response.prefix(200))" }
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
