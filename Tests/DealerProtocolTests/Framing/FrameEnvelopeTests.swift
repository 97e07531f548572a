import NIOCore
import Testing

@testable import DealerProtocol

@Suite("FrameEnvelope reads and writes calls as the generic codec does, without copying payloads")
struct FrameEnvelopeTests {
    private let allocator = ByteBufferAllocator()

    private static let requests: [Rpc_V1_Request] = [
        Rpc_V1_Request(),
        Rpc_V1_Request(callID: 1, method: "/grpc.health.v1.Health/Check"),
        Rpc_V1_Request(
            callID: UInt64.max, method: "/auth.v1.AuthService/WhoAmI", sessionToken: "tok-été-✓", timeoutMs: UInt32.max,
            payload: [0x0A, 0x03, 0x61, 0x62, 0x63]),
        Rpc_V1_Request(callID: 300, method: "/x", timeoutMs: 1, payload: Array(repeating: 7, count: 200)),
    ]

    private static let responses: [(UInt64, Rpc_V1_Status?, [UInt8])] = [
        (0, nil, []),
        (1, nil, [0x08, 0x01]),
        (UInt64.max, Rpc_V1_Status(code: .notFound, message: "no such thing", reason: "USER_NOT_FOUND"), []),
        (128, Rpc_V1_Status(), []),
        (99, nil, Array(repeating: 0xFF, count: 20_000)),
    ]

    private func body(_ frame: Rpc_V1_Frame) -> ByteBuffer {
        ByteBuffer(bytes: frame.serializedBytes())
    }

    @Test("writeRequest writes the bytes of the generic encoder", arguments: requests)
    func writeRequestMatchesGenericEncoding(request: Rpc_V1_Request) {
        var written = allocator.buffer(capacity: 0)
        FrameEnvelope.writeRequest(
            callID: request.callID, method: request.method, sessionToken: request.sessionToken,
            timeoutMs: request.timeoutMs, payload: request.payload, into: &written)
        #expect(written == Rpc_V1_Frame.request(request).lengthPrefixed(allocator: allocator))
    }

    @Test("writeResponse writes the bytes of the generic encoder")
    func writeResponseMatchesGenericEncoding() {
        for (callID, status, payload) in Self.responses {
            var written = allocator.buffer(capacity: 0)
            FrameEnvelope.writeResponse(callID: callID, status: status, payload: payload, into: &written)
            let expected = Rpc_V1_Frame.response(callID: callID, status: status, payload: payload)
            #expect(written == expected.lengthPrefixed(allocator: allocator), "call \(callID)")
        }
    }

    @Test("a Request is read with its payload as a slice of the frame", arguments: requests)
    func readsRequest(request: Rpc_V1_Request) throws {
        let frame = body(.request(request))
        guard case .request(let envelope) = try FrameEnvelope.parse(frame) else {
            Issue.record("not read as a request")
            return
        }
        #expect(envelope.callID == request.callID)
        #expect(envelope.method == request.method)
        #expect(envelope.sessionToken == request.sessionToken)
        #expect(envelope.timeoutMs == request.timeoutMs)
        #expect(Array(envelope.payload.readableBytesView) == request.payload)
        if !request.payload.isEmpty {
            // The same storage as the frame: no copy.
            let framePointer = frame.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
            let payloadPointer = envelope.payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
            #expect(payloadPointer > framePointer && payloadPointer < framePointer + UInt(frame.readableBytes))
        }
    }

    @Test("a Response is read with its status and payload")
    func readsResponse() throws {
        for (callID, status, payload) in Self.responses {
            guard case .response(let envelope) = try FrameEnvelope.parse(body(.response(callID: callID, status: status, payload: payload)))
            else {
                Issue.record("not read as a response")
                continue
            }
            #expect(envelope.callID == callID)
            #expect(envelope.status == status)
            #expect(Array(envelope.payload.readableBytesView) == payload)
        }
    }

    @Test("other frame kinds come back whole")
    func otherKinds() throws {
        let ping = Rpc_V1_Frame(kind: .ping(Rpc_V1_Ping(opaque: 42)))
        guard case .other(let frame) = try FrameEnvelope.parse(body(ping)) else {
            Issue.record("a Ping read as a call")
            return
        }
        #expect(frame == ping)
    }

    @Test("a string holding U+0000 or invalid UTF-8 is refused naming the field, as by the generic decoder")
    func refusesBadStrings() {
        // Hand-made bytes (not our encoder): Frame { request { call_id 1, method "a\0b" } }.
        let nul: [UInt8] = [0x1A, 0x07, 0x08, 0x01, 0x12, 0x03, 0x61, 0x00, 0x62]
        let badUTF8: [UInt8] = [0x1A, 0x07, 0x08, 0x01, 0x1A, 0x03, 0x61, 0xC3, 0x28]
        for (bytes, field) in [(nul, "rpc.v1.Request.method"), (badUTF8, "rpc.v1.Request.session_token")] {
            #expect {
                _ = try FrameEnvelope.parse(ByteBuffer(bytes: bytes))
            } throws: { error in
                (error as? ProtoDecodingError)?.kind == .invalidString && (error as? ProtoDecodingError)?.field == field
            }
        }
    }

    @Test("repeated and unknown fields are read as the generic decoder reads them")
    func nonCanonicalShapes() throws {
        // call_id twice (the last wins), an unknown field 9, then method.
        let request: [UInt8] = [0x08, 0x01, 0x08, 0x05, 0x48, 0x07, 0x12, 0x02, 0x2F, 0x78]
        let bytes = [0x1A, UInt8(request.count)] + request
        guard case .request(let envelope) = try FrameEnvelope.parse(ByteBuffer(bytes: bytes)) else {
            Issue.record("not read as a request")
            return
        }
        #expect(envelope.callID == 5)
        #expect(envelope.method == "/x")
    }

    /// Reading any bytes agrees with the generic decoder: both refuse, or both read the same call.
    @Test("mutated frames: FrameEnvelope and the generic decoder agree on every one")
    func agreesWithGenericDecoderOnMutations() {
        var random = SeededGenerator(seed: 0x5EED_F4A3)
        let seeds: [[UInt8]] =
            Self.requests.prefix(3).map { Rpc_V1_Frame.request($0).serializedBytes() }
            + Self.responses.prefix(4).map { Rpc_V1_Frame.response(callID: $0.0, status: $0.1, payload: $0.2).serializedBytes() }
        for round in 0..<20_000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                switch Int.random(in: 0..<4, using: &random) {
                case 0 where !bytes.isEmpty:
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                case 1 where !bytes.isEmpty:
                    bytes.remove(at: Int.random(in: 0..<bytes.count, using: &random))
                case 2:
                    bytes.insert(UInt8.random(in: 0...255, using: &random), at: Int.random(in: 0...bytes.count, using: &random))
                default:
                    bytes.append(contentsOf: [0x08, UInt8.random(in: 0...127, using: &random)])
                }
            }
            let generic = Result { try Rpc_V1_Frame(serializedBytes: bytes) }
            let fast = Result { try FrameEnvelope.parse(ByteBuffer(bytes: bytes)) }
            switch (generic, fast) {
            case (.failure(let expected), .failure(let actual)):
                #expect("\(expected)" == "\(actual)", "round \(round): \(bytes)")
            case (.success(let frame), .success(let inbound)):
                #expect(Self.frame(of: inbound) == frame, "round \(round): \(bytes)")
            default:
                Issue.record("round \(round): generic \(generic), envelope \(fast), bytes \(bytes)")
            }
        }
    }

    /// The frame an envelope stands for, to compare with the generic decoder's.
    private static func frame(of inbound: FrameEnvelope.Inbound) -> Rpc_V1_Frame {
        switch inbound {
        case .request(let request):
            .request(
                Rpc_V1_Request(
                    callID: request.callID, method: request.method, sessionToken: request.sessionToken,
                    timeoutMs: request.timeoutMs, payload: Array(request.payload.readableBytesView)))
        case .response(let response):
            .response(callID: response.callID, status: response.status, payload: Array(response.payload.readableBytesView))
        case .other(let frame):
            frame
        }
    }
}
