import NIOCore
import Testing

@testable import DealerProtocol

@Suite("Message round trips through protobuf-c")
struct MessageRoundTripTests {
    @Test("every message type, every field set, survives encode and decode", arguments: 0..<8)
    func everyMessageRoundTrips(seed: Int) throws {
        #expect(allSampleMessages.count == AllProtoMessages.types.count)
        for makeSample in allSampleMessages {
            let original = makeSample(seed)
            try assertRoundTrip(original)
        }
    }

    @Test("every message type at its defaults encodes to zero bytes and decodes back")
    func defaultsRoundTrip() throws {
        for type in AllProtoMessages.types {
            let empty = type.init()
            #expect(empty.serializedBytes().isEmpty, "\(type.protoMessageName)")
            try assertRoundTrip(empty)
        }
    }

    @Test("a oneof member at its defaults keeps its presence")
    func oneofPresence() throws {
        let frame = Rpc_V1_Frame(kind: .ping(Rpc_V1_Ping()))
        let decoded = try Rpc_V1_Frame(serializedBytes: frame.serializedBytes())
        #expect(decoded.kind == .ping(Rpc_V1_Ping()))
    }

    @Test("enum values this build does not know survive a round trip")
    func unknownEnumValues() throws {
        let status = Rpc_V1_Status(code: StatusCode(rawValue: 99), message: "x", reason: "Y")
        let decoded = try Rpc_V1_Status(serializedBytes: status.serializedBytes())
        #expect(decoded.code.rawValue == 99)
        #expect(decoded.code.description == "99")
    }

    @Test("the encoding is protobuf's: a known byte string decodes")
    func knownWireBytes() throws {
        // Frame{ping{opaque: 300}}: field 5 (LEN) { field 1 (VARINT) 300 }
        let bytes: [UInt8] = [0x2A, 0x03, 0x08, 0xAC, 0x02]
        let frame = try Rpc_V1_Frame(serializedBytes: bytes)
        #expect(frame.kind == .ping(Rpc_V1_Ping(opaque: 300)))
        #expect(frame.serializedBytes() == bytes)
    }

    @Test("invalid UTF-8 in a string field is rejected")
    func invalidUTF8() {
        // Hello{client_name: 0xFF 0xFE}
        let bytes: [UInt8] = [0x12, 0x02, 0xFF, 0xFE]
        #expect(throws: ProtoDecodingError.self) { try Rpc_V1_Hello(serializedBytes: bytes) }
    }

    @Test("a truncated message is rejected")
    func truncated() {
        let bytes = Rpc_V1_Hello(protocolVersion: 1, clientName: "client").serializedBytes()
        #expect(throws: ProtoDecodingError.self) { try Rpc_V1_Hello(serializedBytes: Array(bytes.dropLast())) }
    }

    @Test("serialize(into:) appends the same bytes as serializedBytes()")
    func serializeIntoBuffer() throws {
        let message = Auth_V1_LoginResponse.sample(3)
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        buffer.writeString("prefix")
        let written = message.serialize(into: &buffer)
        #expect(written == message.serializedBytes().count)
        buffer.moveReaderIndex(forwardBy: 6)
        #expect(try Auth_V1_LoginResponse(buffer: buffer) == message)
    }

    private func assertRoundTrip(_ message: any ProtoMessage) throws {
        func check<M: ProtoMessage>(_ message: M) throws {
            let bytes = message.serializedBytes()
            let decoded = try M(serializedBytes: bytes)
            #expect(decoded == message, "\(M.protoMessageName) changed in a round trip")
            #expect(decoded.serializedBytes() == bytes, "\(M.protoMessageName) re-encodes differently")
        }
        try check(message)
    }
}
