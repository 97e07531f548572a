import Foundation
import NIOCore
import Testing

@testable import DealerProtocol

/// The committed seed corpus of the fuzz targets (Fuzz/corpus/, written by
/// scripts/fuzz-corpus with Google's Python protobuf, an encoder independent
/// of ours) read back by our decoders: what another implementation sends
/// must decode to the same frame and re-encode to the same bytes.
@Suite("Fuzz seed corpus from an independent encoder")
struct FuzzCorpusTests {
    /// Fuzz/corpus/<target>/, found from this file's place in the checkout.
    static func corpus(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let directory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus/\(target)")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        return try names.map { name in
            (name, [UInt8](try Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }

    @Test("every valid frame of the corpus decodes and re-encodes byte for byte")
    func validFrames() throws {
        let frames = try Self.corpus("frame").filter { !["truncated", "deep-nesting", "hello-unknown-field"].contains($0.name) }
        #expect(frames.count >= 44 + 7 + 1)
        var methods: Set<String> = []
        for (name, bytes) in frames {
            let frame = try Rpc_V1_Frame(serializedBytes: bytes)
            #expect(frame.kind != nil || name == "empty-member", "\(name)")
            #expect(frame.serializedBytes() == bytes, "\(name): our encoding differs from the independent encoder's")
            if case .request(let request) = frame.kind, name.hasPrefix("request-") {
                methods.insert(request.method)
            }
        }
        let contract = Set(
            Auth_V1_AuthService.allMethodPaths + Dealer_V1_DealerService.allMethodPaths
                + Client_V1_ClientService.allMethodPaths + Registers_V1_RegisterService.allMethodPaths
                + Health_V1_Health.allMethodPaths)
        #expect(methods == contract)
    }

    @Test("the corpus's edge cases: unknown fields skipped, deep nesting and truncation handled")
    func edgeCases() throws {
        let frames = Dictionary(uniqueKeysWithValues: try Self.corpus("frame").map { ($0.name, $0.bytes) })
        let hello = try Rpc_V1_Frame(serializedBytes: try #require(frames["hello"]))
        #expect(try Rpc_V1_Frame(serializedBytes: try #require(frames["hello-unknown-field"])) == hello)
        // 200 nested unknown length-delimited fields: skipped as one unknown field.
        #expect(try Rpc_V1_Frame(serializedBytes: try #require(frames["deep-nesting"])).kind == nil)
        #expect(throws: ProtoDecodingError.self) { try Rpc_V1_Frame(serializedBytes: try #require(frames["truncated"])) }
    }

    @Test("the splitter seeds: bad prefixes are refused, whole streams split completely")
    func splitterSeeds() throws {
        let seeds = Dictionary(uniqueKeysWithValues: try Self.corpus("frame-splitter").map { ($0.name, $0.bytes) })
        func split(_ name: String, limit: Int) throws(FramingError) -> (frames: Int, left: Int) {
            var buffer = ByteBuffer(bytes: seeds[name]!.dropFirst())
            var frames = 0
            while try FrameDecoder.nextFrame(in: &buffer, maxFrameSize: limit) != nil { frames += 1 }
            return (frames, buffer.readableBytes)
        }
        #expect(throws: FramingError.emptyFrame) { try split("zero-length", limit: 4 << 20) }
        #expect(throws: FramingError.frameTooLarge(length: Int(UInt32.max), limit: 4 << 20)) {
            try split("max-length-prefix", limit: 4 << 20)
        }
        #expect(throws: FramingError.frameTooLarge(length: 257, limit: 256)) { try split("one-over-the-limit", limit: 256) }
        #expect(try split("exactly-the-limit", limit: 256) == (1, 0))
        #expect(try split("every-frame", limit: 4 << 20) == (45, 0))
        #expect(try split("truncated-body", limit: 4 << 20).frames == 0)
    }
}
