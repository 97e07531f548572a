import NIOCore
import Testing

@testable import DealerProtocol

/// Hostile bytes must give an error, never a crash or a leak (run the suite
/// under `--sanitize=address` to see leaks and overflows).
@Suite("Decoders survive random and mutated input")
struct DecoderFuzzTests {
    static let iterations = 100_000

    @Test("100,000 random and mutated frames and payloads decode or fail cleanly")
    func randomAndMutatedInput() {
        var random = SeededGenerator(seed: 0xDEA1E5)
        let seeds: [[UInt8]] = (0..<16).flatMap { seed in allSampleMessages.map { $0(seed).serializedBytes() } }
            + (0..<16).map { Rpc_V1_Frame.sample($0).serializedBytes() }
        var decoded = 0
        var rejected = 0
        for iteration in 0..<Self.iterations {
            let bytes: [UInt8]
            if iteration % 4 == 0 {
                let count = Int.random(in: 0..<64, using: &random)
                bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            } else {
                bytes = mutate(seeds.randomElement(using: &random)!, using: &random)
            }
            // As a frame envelope, and as a randomly chosen payload type.
            let type = AllProtoMessages.types.randomElement(using: &random)!
            for attempt in [Rpc_V1_Frame.self as any ProtoMessage.Type, type] {
                do {
                    let message = try attempt.init(serializedBytes: bytes)
                    // Whatever decodes must re-encode and decode to the same value.
                    #expect(try reencodes(message))
                    decoded += 1
                } catch {
                    rejected += 1
                }
            }
        }
        #expect(decoded + rejected == 2 * Self.iterations)
        #expect(decoded > 0 && rejected > 0, "the corpus should exercise both paths")
    }

    @Test("random byte streams through the frame splitter end in a frame error or an incomplete frame")
    func randomStreams() {
        var random = SeededGenerator(seed: 42)
        let allocator = ByteBufferAllocator()
        var framesSplit = 0
        var framingErrors = 0
        for _ in 0..<5_000 {
            // Small length prefixes now and then, so some frames are complete.
            let count = Int.random(in: 0..<256, using: &random)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            if bytes.count >= 4, Bool.random(using: &random) { bytes[0] = 0; bytes[1] = 0; bytes[2] = 0 }
            var buffer = allocator.buffer(bytes: bytes)
            do {
                while let body = try FrameDecoder.nextFrame(in: &buffer, maxFrameSize: 64) {
                    #expect((1...64).contains(body.readableBytes))
                    framesSplit += 1
                    _ = try? Rpc_V1_Frame(buffer: body)
                }
                // Whatever is left is an incomplete frame: fewer bytes than its prefix announces.
                if let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) {
                    #expect(buffer.readableBytes < 4 + Int(length))
                }
            } catch {
                framingErrors += 1
            }
        }
        #expect(framesSplit > 0 && framingErrors > 0, "the corpus should exercise both paths")
    }

    private func reencodes(_ message: any ProtoMessage) throws -> Bool {
        func check<M: ProtoMessage>(_ message: M) throws -> Bool {
            try M(serializedBytes: message.serializedBytes()) == message
        }
        return try check(message)
    }

    private func mutate(_ input: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            switch Int.random(in: 0..<5, using: &random) {
            case 0 where !bytes.isEmpty:  // flip a byte
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            case 1 where !bytes.isEmpty:  // truncate
                bytes.removeLast(Int.random(in: 1...bytes.count, using: &random))
            case 2:  // insert a byte
                bytes.insert(UInt8.random(in: 0...255, using: &random), at: Int.random(in: 0...bytes.count, using: &random))
            case 3 where bytes.count > 1:  // duplicate a run
                let start = Int.random(in: 0..<bytes.count, using: &random)
                let end = Int.random(in: start..<bytes.count, using: &random)
                bytes.insert(contentsOf: bytes[start...end], at: start)
            default:  // make a varint or length huge
                if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &random)] = 0xFF }
            }
        }
        return bytes
    }
}
