import NIOCore
import Testing

@testable import DealerProtocol

@Suite("FrameDecoder splits a byte stream into frames")
struct FrameDecoderTests {
    private let allocator = ByteBufferAllocator()

    private func stream(of frames: [Rpc_V1_Frame]) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 0)
        for frame in frames { frame.writeLengthPrefixed(into: &buffer) }
        return buffer
    }

    private let sampleFrames: [Rpc_V1_Frame] = [
        Rpc_V1_Frame(kind: .hello(Rpc_V1_Hello(protocolVersion: 1, clientName: "test"))),
        .request(Rpc_V1_Request(callID: 7, method: "/health.v1.Health/Check", payload: [1, 2, 3])),
        Rpc_V1_Frame(kind: .ping(Rpc_V1_Ping(opaque: 42))),
    ]

    /// Feeds `bytes` in the given chunks, decoding after each, like reads from a socket.
    private func decode(_ bytes: ByteBuffer, chunks: [Int], maxFrameSize: Int = 1024) throws -> [Rpc_V1_Frame] {
        var pending = allocator.buffer(capacity: 0)
        var input = bytes
        var frames: [Rpc_V1_Frame] = []
        for size in chunks {
            var chunk = input.readSlice(length: size)!
            pending.writeBuffer(&chunk)
            while let body = try FrameDecoder.nextFrame(in: &pending, maxFrameSize: maxFrameSize) {
                frames.append(try Rpc_V1_Frame(buffer: body))
            }
        }
        return frames
    }

    @Test("a stream split at every byte boundary yields the same frames")
    func splitAtEveryBoundary() throws {
        let bytes = stream(of: sampleFrames)
        for split in 0...bytes.readableBytes {
            let frames = try decode(bytes, chunks: [split, bytes.readableBytes - split])
            #expect(frames == sampleFrames, "split at \(split)")
        }
    }

    @Test("a stream fed one byte at a time yields the same frames")
    func oneByteAtATime() throws {
        let bytes = stream(of: sampleFrames)
        let frames = try decode(bytes, chunks: Array(repeating: 1, count: bytes.readableBytes))
        #expect(frames == sampleFrames)
    }

    @Test("several frames in one read all come out, in order")
    func severalFramesInOneRead() throws {
        let many = (0..<50).map { Rpc_V1_Frame(kind: .ping(Rpc_V1_Ping(opaque: UInt64($0)))) }
        let bytes = stream(of: many)
        #expect(try decode(bytes, chunks: [bytes.readableBytes]) == many)
    }

    @Test("a zero length is refused")
    func zeroLength() {
        var buffer = allocator.buffer(bytes: [0, 0, 0, 0, 9, 9])
        #expect(throws: FramingError.emptyFrame) {
            _ = try FrameDecoder.nextFrame(in: &buffer, maxFrameSize: 1024)
        }
        #expect(FramingError.emptyFrame.rpcError.code == .invalidArgument)
    }

    @Test("an oversize length is refused from the 4 length bytes alone")
    func oversizeFromPrefixOnly() {
        var buffer = allocator.buffer(capacity: 4)
        buffer.writeInteger(UInt32(1025))
        #expect(throws: FramingError.frameTooLarge(length: 1025, limit: 1024)) {
            _ = try FrameDecoder.nextFrame(in: &buffer, maxFrameSize: 1024)
        }
        var huge = allocator.buffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: FramingError.self) { _ = try FrameDecoder.nextFrame(in: &huge, maxFrameSize: 4 << 20) }
        #expect(FramingError.frameTooLarge(length: 1025, limit: 1024).rpcError.code == .resourceExhausted)
    }

    @Test("a frame of exactly the limit is accepted")
    func exactlyTheLimit() throws {
        var buffer = allocator.buffer(capacity: 0)
        buffer.writeInteger(UInt32(16))
        buffer.writeRepeatingByte(7, count: 16)
        let body = try FrameDecoder.nextFrame(in: &buffer, maxFrameSize: 16)
        #expect(body?.readableBytes == 16)
        #expect(buffer.readableBytes == 0)
    }

    @Test("an incomplete frame consumes nothing")
    func incompleteConsumesNothing() throws {
        var buffer = allocator.buffer(capacity: 0)
        buffer.writeInteger(UInt32(10))
        buffer.writeBytes([1, 2, 3])
        #expect(try FrameDecoder.nextFrame(in: &buffer, maxFrameSize: 1024) == nil)
        #expect(buffer.readableBytes == 7)
    }

    @Test("a garbage body frames fine but does not parse as a Frame")
    func garbageBody() throws {
        var buffer = allocator.buffer(capacity: 0)
        buffer.writeInteger(UInt32(5))
        buffer.writeBytes([0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        let body = try #require(try FrameDecoder.nextFrame(in: &buffer, maxFrameSize: 1024))
        #expect(throws: ProtoDecodingError.self) { try Rpc_V1_Frame(buffer: body) }
    }
}
