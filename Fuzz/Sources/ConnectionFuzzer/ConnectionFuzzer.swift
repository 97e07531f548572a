import DealerProtocol
@testable import DealerServer
import DealerServices
import DealerStore
import Dispatch
import Foundation
import FuzzChecks
import Logging
import NIOCore
import NIOEmbedded

/// libFuzzer target: the server's connection state machine, in-process.
///
/// The server's own pipeline handlers (`ServerFrameDecoder`,
/// `ServerConnectionHandler`) on a `NIOAsyncTestingChannel` (no socket),
/// serving every service over a temporary SQLite database. Input: one
/// control byte, then the bytes the peer sends. Control bit 7 prepends a
/// valid Hello frame (so the fuzzer spends its time past the handshake),
/// bit 6 asks the connection to drain (graceful shutdown) after the last
/// byte, bits 0-5 pick the chunk size the bytes arrive in. After the last
/// chunk, every call must finish (bounded wait), expired deadlines fire, and
/// every byte the server wrote must split into frames that decode.
@_cdecl("LLVMFuzzerTestOneInput")
public func connectionFuzzerTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let control = start[0]
    var stream: [UInt8] = control & 0x80 != 0 ? ConnectionHarness.helloFrame : []
    stream += UnsafeBufferPointer(start: start + 1, count: count - 1)
    let run = ConnectionRun(
        stream: stream, chunkSize: Int(control & 0x3F) * 7 + 1, drainAfterwards: control & 0x40 != 0)
    blockUntilDone { await run.feed(ConnectionHarness.shared) }
    return 0
}

/// Runs `body` to completion from libFuzzer's synchronous callback. The
/// callback runs on the main thread, never on a Swift concurrency thread,
/// so blocking it starves nothing.
private func blockUntilDone(_ body: @escaping @Sendable () async -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task {
        await body()
        done.signal()
    }
    done.wait()
}

/// What every input shares: one event loop, the server core (lanes) and the
/// services over one temporary database, removed at exit.
private final class ConnectionHarness: Sendable {
    static let shared = ConnectionHarness()
    static let helloFrame: [UInt8] = {
        let hello = Rpc_V1_Frame(kind: .hello(Rpc_V1_Hello(protocolVersion: 1, clientName: "fuzz")))
        var buffer = ByteBuffer()
        hello.writeLengthPrefixed(into: &buffer)
        return Array(buffer.readableBytesView)
    }()
    /// Small limits, so that short inputs reach backpressure and the
    /// oversize-frame path.
    static let configuration: ServerConfiguration = {
        var configuration = ServerConfiguration()
        configuration.maxFrameSize = 64 * 1024
        configuration.maxInFlightCalls = 4
        configuration.blockingThreads = 2
        configuration.maxStorageQueuePerConnection = 6
        configuration.maxHashingQueuePerConnection = 2
        return configuration
    }()

    let loop = NIOAsyncTestingEventLoop()
    let core: ServerCore
    let logger = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })

    private init() {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("dealer-fuzz-\(ProcessInfo.processInfo.processIdentifier)").path
        harnessDatabaseDirectory = directory
        atexit { try? FileManager.default.removeItem(atPath: harnessDatabaseDirectory) }
        let store: DealerStore
        do {
            store = try DealerStore(
                configuration: DealerStoreConfiguration(path: directory + "/dealer.sqlite", synchronous: .normal),
                logger: logger)
        } catch {
            fatalError("cannot open the fuzz database in \(directory): \(error)")
        }
        let environment = ServiceEnvironment(store: store, configuration: .testing)
        let methods = ServiceAssembly.methodTable(servingState: ServingState(), environment: environment)
        core = ServerCore(configuration: Self.configuration, methods: methods)
    }
}

/// Where the harness's database lives (a global, for the `atexit` hook).
/// `nonisolated(unsafe)`: written once, in the harness's initialiser (run once,
/// under the lazy `static let`'s lock) before the hook that reads it is
/// registered; read only by that hook at exit.
nonisolated(unsafe) private var harnessDatabaseDirectory = ""

/// One input fed to one fresh connection.
private struct ConnectionRun: Sendable {
    let stream: [UInt8]
    let chunkSize: Int
    let drainAfterwards: Bool

    func feed(_ harness: ConnectionHarness) async {
        let loop = harness.loop
        let channel = NIOAsyncTestingChannel(loop: loop)
        do {
            try await loop.executeInContext {
                let pipeline = channel.pipeline.syncOperations
                try pipeline.addHandler(
                    ByteToMessageHandler(ServerFrameDecoder(maxFrameSize: ConnectionHarness.configuration.maxFrameSize)))
                try pipeline.addHandler(ServerConnectionHandler(core: harness.core, logger: harness.logger))
            }
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7420))
        } catch {
            fatalError("cannot set up the channel: \(error)")
        }
        var written = OutboundFrames()
        var offset = 0
        while offset < stream.count, channel.isActive {
            let end = min(offset + chunkSize, stream.count)
            // Throws only once the server has closed the connection.
            _ = try? await channel.writeInbound(ByteBuffer(bytes: stream[offset..<end]))
            offset = end
            await written.drain(channel)
        }
        if drainAfterwards, channel.isActive {
            try? await loop.executeInContext {
                channel.pipeline.triggerUserOutboundEvent(DrainConnectionEvent(), promise: nil)
            }
        }
        await settle(channel)
        // Fire every timer already due by the real clock (call deadlines of
        // short timeouts, the frame receive timeout).
        await loop.advanceTime(to: max(loop.now, .now()))
        await settle(channel)
        await written.drain(channel)
        try? await channel.close()
        await loop.run()
        await settle(channel)
    }

    /// Waits until no call of the connection is in flight or waiting (a
    /// lane's result comes back through the event loop). Every handler
    /// returns, so a call still there after the bound is a stuck call.
    private func settle(_ channel: NIOAsyncTestingChannel) async {
        for _ in 0..<200_000 {
            let busy = try? await channel.testingEventLoop.executeInContext {
                let load = try channel.pipeline.syncOperations.handler(type: ServerConnectionHandler.self).load
                return load.callsInFlight + load.callsWaiting > 0
            }
            guard busy == true else { return }
            try? await Task.sleep(for: .microseconds(50))
        }
        preconditionFailure("a call never finished")
    }
}

/// The bytes the server wrote: every whole frame must decode as an `rpc.v1.Frame`.
private struct OutboundFrames {
    private var buffer = ByteBuffer()

    mutating func drain(_ channel: NIOAsyncTestingChannel) async {
        while let bytes = try? await channel.readOutbound(as: ByteBuffer.self) {
            var bytes = bytes
            buffer.writeBuffer(&bytes)
        }
        do {
            while let body = try FrameDecoder.nextFrame(in: &buffer, maxFrameSize: Int(UInt32.max)) {
                let frame = try Rpc_V1_Frame(buffer: body)
                precondition(frame.kind != nil, "the server wrote a frame with no member set")
            }
        } catch {
            preconditionFailure("the server wrote bytes that are not frames: \(error)")
        }
        buffer.discardReadBytes()
    }
}
