import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP/1 endpoint Prometheus scrapes: `GET /metrics` answers the
/// registry of a `ServerMetrics` in the text exposition format (0.0.4);
/// anything else is 404 (405 for another method on /metrics).
final class MetricsEndpoint: Sendable {
    /// The address it listens on (the real port when 0 was asked for).
    let localAddress: SocketAddress
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
        self.localAddress = channel.localAddress!
    }

    /// Binds `host:port`; `beforeScrape` runs before each exposition is rendered.
    static func start(
        host: String, port: Int, metrics: ServerMetrics, beforeScrape: @escaping @Sendable () -> Void,
        eventLoopGroup: any EventLoopGroup
    ) async throws -> MetricsEndpoint {
        let channel = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        ScrapeHandler(metrics: metrics, beforeScrape: beforeScrape))
                }
            }
            .bind(host: host, port: port)
            .get()
        return MetricsEndpoint(channel: channel)
    }

    /// Stops listening; open scrape connections finish on their own.
    func close() async {
        try? await channel.close()
    }

    /// Stops listening, without waiting (a server dropped without shutdown).
    func closeWithoutWaiting() {
        channel.close(promise: nil)
    }

    /// Answers each request on one HTTP connection.
    private final class ScrapeHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let metrics: ServerMetrics
        private let beforeScrape: @Sendable () -> Void
        private var request: HTTPRequestHead?

        init(metrics: ServerMetrics, beforeScrape: @escaping @Sendable () -> Void) {
            self.metrics = metrics
            self.beforeScrape = beforeScrape
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                request = head
            case .body:
                break
            case .end:
                guard let head = request.take() else { return }
                respond(to: head, context: context)
            }
        }

        private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            let status: HTTPResponseStatus
            var body = context.channel.allocator.buffer(capacity: 0)
            var contentType = "text/plain; charset=utf-8"
            if path != "/metrics" {
                status = .notFound
                body.writeString("not found: the metrics are at /metrics\n")
            } else if head.method != .GET && head.method != .HEAD {
                status = .methodNotAllowed
                body.writeString("use GET\n")
            } else {
                status = .ok
                contentType = "text/plain; version=0.0.4; charset=utf-8"
                beforeScrape()
                var bytes: [UInt8] = []
                metrics.registry.emit(into: &bytes)
                if head.method == .GET { body.writeBytes(bytes) }
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: contentType)
            headers.add(name: "Content-Length", value: String(body.readableBytes))
            let keepAlive = head.isKeepAlive
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            let done = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
            if !keepAlive {
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                done.futureResult.whenComplete { _ in loopBound.value.close(promise: nil) }
            }
        }
    }
}
