import CodecBaselineC
import DealerProtocol
import NIOCore

/// The Swift half of the codec benchmark: the same op as `codec_baseline_run`
/// in CodecBaselineC, through the generated Swift types.
struct CodecBenchmark {
    enum Failure: Error, CustomStringConvertible {
        case decodeFailed(String)
        case bytesDiffer(swift: [UInt8], c: [UInt8])

        var description: String {
            switch self {
            case .decodeFailed(let why): "decode failed: \(why)"
            case .bytesDiffer(let swift, let c):
                "Swift and C encodings differ (\(swift.count) vs \(c.count) bytes)"
            }
        }
    }

    let method = String(cString: codec_baseline_method)
    let sessionToken = String(cString: codec_baseline_session_token)
    let login = String(cString: codec_baseline_login)
    let password = String(cString: codec_baseline_password)
    let timeoutMs = UInt32(CODEC_BASELINE_TIMEOUT_MS)

    /// A value derived from every op, so the optimizer cannot drop them.
    private(set) var sink: UInt64 = 0

    @inline(never)
    func encode(callID: UInt64) -> [UInt8] {
        let payload = Auth_V1_LoginRequest(login: login, password: password).serializedBytes()
        let request = Rpc_V1_Request(
            callID: callID, method: method, sessionToken: sessionToken, timeoutMs: timeoutMs, payload: payload)
        return Rpc_V1_Frame(kind: .request(request)).serializedBytes()
    }

    @inline(never)
    func decode(_ bytes: [UInt8]) throws -> UInt64 {
        let frame = try Rpc_V1_Frame(serializedBytes: bytes)
        guard case .request(let request) = frame.kind else { throw Failure.decodeFailed("not a request") }
        let login = try Auth_V1_LoginRequest(serializedBytes: request.payload)
        return UInt64(login.login.utf8.count) &+ request.callID
    }

    /// The ByteBuffer path the server uses: serialize(into:) and init(buffer:).
    @inline(never)
    func encode(callID: UInt64, into buffer: inout ByteBuffer) {
        let payload = Auth_V1_LoginRequest(login: login, password: password).serializedBytes()
        let request = Rpc_V1_Request(
            callID: callID, method: method, sessionToken: sessionToken, timeoutMs: timeoutMs, payload: payload)
        Rpc_V1_Frame(kind: .request(request)).serialize(into: &buffer)
    }

    @inline(never)
    func decode(buffer: ByteBuffer) throws -> UInt64 {
        let frame = try Rpc_V1_Frame(buffer: buffer)
        guard case .request(let request) = frame.kind else { throw Failure.decodeFailed("not a request") }
        let login = try Auth_V1_LoginRequest(serializedBytes: request.payload)
        return UInt64(login.login.utf8.count) &+ request.callID
    }

    /// The path dealerd and DealerConnection take: the envelope by
    /// `FrameEnvelope` (length prefix included), the payload packed by the
    /// generated type straight into the frame, and read back from a slice of it.
    @inline(never)
    func encodeEnvelope(callID: UInt64, into buffer: inout ByteBuffer) {
        FrameEnvelope.writeRequest(
            callID: callID, method: method, sessionToken: sessionToken, timeoutMs: timeoutMs,
            message: Auth_V1_LoginRequest(login: login, password: password), into: &buffer)
    }

    @inline(never)
    func decodeEnvelope(frame: ByteBuffer) throws -> UInt64 {
        var body = frame
        body.moveReaderIndex(forwardBy: FrameDecoder.prefixLength)
        guard case .request(let request) = try FrameEnvelope.parse(body) else { throw Failure.decodeFailed("not a request") }
        let login = try Auth_V1_LoginRequest(buffer: request.payload)
        return UInt64(login.login.utf8.count) &+ request.callID
    }

    /// Full ops through `FrameEnvelope` (a new buffer per op, as C mallocs one); returns elapsed nanoseconds.
    mutating func runFullEnvelope(_ iterations: UInt64) throws -> UInt64 {
        let start = MonotonicClock.nanoseconds()
        for i in 0..<iterations {
            var buffer = ByteBuffer()
            encodeEnvelope(callID: i &+ 1, into: &buffer)
            sink &+= try decodeEnvelope(frame: buffer)
        }
        return MonotonicClock.nanoseconds() - start
    }

    /// Checks that the Swift layer and protobuf-c produce the same bytes and
    /// that the Swift decode reads them back.
    mutating func verify() throws {
        let swift = encode(callID: 42)
        var c = [UInt8](repeating: 0, count: 512)
        let size = c.withUnsafeMutableBufferPointer { codec_baseline_encode_frame(42, $0.baseAddress, $0.count) }
        c.removeSubrange(size...)
        guard swift == c else { throw Failure.bytesDiffer(swift: swift, c: c) }
        sink &+= try decode(swift)
        var envelope = ByteBuffer()
        encodeEnvelope(callID: 42, into: &envelope)
        guard Array(envelope.readableBytesView.dropFirst(FrameDecoder.prefixLength)) == c else {
            throw Failure.bytesDiffer(swift: Array(envelope.readableBytesView), c: c)
        }
        sink &+= try decodeEnvelope(frame: envelope)
    }

    /// Full ops (encode + decode); returns elapsed nanoseconds.
    mutating func runFull(_ iterations: UInt64) throws -> UInt64 {
        let start = MonotonicClock.nanoseconds()
        for i in 0..<iterations {
            sink &+= try decode(encode(callID: i &+ 1))
        }
        return MonotonicClock.nanoseconds() - start
    }

    mutating func runEncode(_ iterations: UInt64) -> UInt64 {
        let start = MonotonicClock.nanoseconds()
        for i in 0..<iterations {
            let bytes = encode(callID: i &+ 1)
            sink &+= UInt64(bytes[bytes.count - 1])
        }
        return MonotonicClock.nanoseconds() - start
    }

    mutating func runDecode(_ iterations: UInt64) throws -> UInt64 {
        let bytes = encode(callID: 1)
        let start = MonotonicClock.nanoseconds()
        for _ in 0..<iterations {
            sink &+= try decode(bytes)
        }
        return MonotonicClock.nanoseconds() - start
    }

    /// Full ops through ByteBuffer with the generic envelope (the server's path before `FrameEnvelope`); returns elapsed nanoseconds.
    mutating func runFullByteBuffer(_ iterations: UInt64) throws -> UInt64 {
        let start = MonotonicClock.nanoseconds()
        for i in 0..<iterations {
            var buffer = ByteBuffer()
            encode(callID: i &+ 1, into: &buffer)
            sink &+= try decode(buffer: buffer)
        }
        return MonotonicClock.nanoseconds() - start
    }
}
