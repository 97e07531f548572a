public import NIOCore

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Reads and writes the `rpc.v1.Frame` envelope of calls and their answers
/// directly in the wire format, so a call's payload is never copied on its
/// way in (it stays a slice of the receive buffer) and is copied once on its
/// way out (into the frame being written).
///
/// The generic decoder (protobuf-c through `Rpc_V1_Frame(buffer:)`) copies a
/// payload into its arena, then into a `[UInt8]`, and the method's decoder
/// unpacks it again; encoding builds a C message tree first. Here:
/// - `parse` reads a Request or Response frame in the canonical shape every
///   encoder produces: one envelope field, inside it only known fields, each
///   at most once and with its wire type, strings valid UTF-8 without
///   U+0000. Anything else (other frame kinds, repeated or unknown fields, a
///   string to refuse) goes to the generic decoder, which decides exactly as
///   before: the fast path never accepts what the generic one refuses, nor
///   reads a frame differently.
/// - `writeResponse` / `writeRequest` write the length prefix and the
///   envelope by hand around the payload; the bytes are what the generic
///   encoder writes (proto3: default values left out, fields in order).
public enum FrameEnvelope {
    /// A frame body: a call, an answer, or any other kind as a whole message.
    public enum Inbound: Sendable {
        case request(RequestEnvelope)
        case response(ResponseEnvelope)
        // indirect: a whole frame is large, and calls (the common case) should not pay for copying its room.
        indirect case other(Rpc_V1_Frame)
    }

    /// Parses one frame body (the bytes after the length prefix).
    public static func parse(_ body: ByteBuffer) throws(ProtoDecodingError) -> Inbound {
        if let fast = body.withUnsafeReadableBytes({ parseCanonical($0, body: body) }) {
            return consume fast
        }
        let frame = try Rpc_V1_Frame(buffer: body)
        switch frame.kind {
        case .request(let request):
            return .request(RequestEnvelope(request))
        case .response(let response):
            return .response(ResponseEnvelope(response))
        default:
            return .other(frame)
        }
    }

    // MARK: Writing

    /// Appends a length-prefixed Response frame. A nil `status` is left out
    /// (an absent status means OK).
    public static func writeResponse(
        callID: UInt64, status: Rpc_V1_Status? = nil, payload: [UInt8], into buffer: inout ByteBuffer
    ) {
        let statusBytes = status?.serializedBytes()
        payload.withUnsafeBytes { payload in
            writeResponseHeader(callID: callID, statusBytes: statusBytes, payloadCount: payload.count, into: &buffer)
            buffer.writeBytes(payload)
        }
    }

    /// Appends a length-prefixed OK Response frame whose payload is `message`,
    /// packed straight into `buffer` (no intermediate copy of the payload).
    public static func writeResponse(callID: UInt64, message: some ProtoMessage, into buffer: inout ByteBuffer) {
        message.serialize(into: &buffer) { payloadCount, buffer in
            writeResponseHeader(callID: callID, statusBytes: nil, payloadCount: payloadCount, into: &buffer)
        }
    }

    /// A new buffer holding one length-prefixed OK Response frame for `message`.
    public static func responseFrame(callID: UInt64, message: some ProtoMessage) -> ByteBuffer {
        var buffer = ByteBuffer()
        writeResponse(callID: callID, message: message, into: &buffer)
        return buffer
    }

    /// Everything of a Response frame before its payload bytes (reserving room for them too).
    private static func writeResponseHeader(
        callID: UInt64, statusBytes: [UInt8]?, payloadCount: Int, into buffer: inout ByteBuffer
    ) {
        var responseLength = 0
        if callID != 0 { responseLength += 1 + varintLength(callID) }
        if let statusBytes { responseLength += fieldLength(statusBytes.count) }
        if payloadCount > 0 { responseLength += fieldLength(payloadCount) }
        let frameLength = fieldLength(responseLength)
        buffer.reserveCapacity(minimumWritableBytes: 4 + frameLength)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 4 + frameLength - payloadCount) { raw in
            var out = RawWriter(raw)
            out.bigEndian(UInt32(frameLength))
            out.field(0x22, length: responseLength)  // Frame.response = 4
            if callID != 0 { out.varintField(0x08, callID) }  // Response.call_id = 1
            if let statusBytes { statusBytes.withUnsafeBytes { out.field(0x12, $0) } }  // Response.status = 2
            if payloadCount > 0 { out.field(0x1A, length: payloadCount) }  // Response.payload = 3, bytes follow
            return out.written
        }
    }

    /// Appends a length-prefixed Request frame.
    public static func writeRequest(
        callID: UInt64, method: String, sessionToken: String, timeoutMs: UInt32, payload: [UInt8],
        into buffer: inout ByteBuffer
    ) {
        payload.withUnsafeBytes { payload in
            writeRequestHeader(
                callID: callID, method: method, sessionToken: sessionToken, timeoutMs: timeoutMs,
                payloadCount: payload.count, into: &buffer)
            buffer.writeBytes(payload)
        }
    }

    /// Appends a length-prefixed Request frame whose payload is `message`,
    /// packed straight into `buffer` (no intermediate copy of the payload).
    public static func writeRequest(
        callID: UInt64, method: String, sessionToken: String, timeoutMs: UInt32, message: some ProtoMessage,
        into buffer: inout ByteBuffer
    ) {
        message.serialize(into: &buffer) { payloadCount, buffer in
            writeRequestHeader(
                callID: callID, method: method, sessionToken: sessionToken, timeoutMs: timeoutMs,
                payloadCount: payloadCount, into: &buffer)
        }
    }

    /// Everything of a Request frame before its payload bytes (reserving room for them too).
    private static func writeRequestHeader(
        callID: UInt64, method: String, sessionToken: String, timeoutMs: UInt32, payloadCount: Int,
        into buffer: inout ByteBuffer
    ) {
        var method = method
        var sessionToken = sessionToken
        method.withUTF8 { method in
            sessionToken.withUTF8 { token in
                writeRequestHeader(
                    callID: callID, method: UnsafeRawBufferPointer(method), sessionToken: UnsafeRawBufferPointer(token),
                    timeoutMs: timeoutMs, payloadCount: payloadCount, into: &buffer)
            }
        }
    }

    private static func writeRequestHeader(
        callID: UInt64, method: UnsafeRawBufferPointer, sessionToken: UnsafeRawBufferPointer, timeoutMs: UInt32,
        payloadCount: Int, into buffer: inout ByteBuffer
    ) {
        var requestLength = 0
        if callID != 0 { requestLength += 1 + varintLength(callID) }
        if !method.isEmpty { requestLength += fieldLength(method.count) }
        if !sessionToken.isEmpty { requestLength += fieldLength(sessionToken.count) }
        if timeoutMs != 0 { requestLength += 1 + varintLength(UInt64(timeoutMs)) }
        if payloadCount > 0 { requestLength += fieldLength(payloadCount) }
        let frameLength = fieldLength(requestLength)
        buffer.reserveCapacity(minimumWritableBytes: 4 + frameLength)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 4 + frameLength - payloadCount) { raw in
            var out = RawWriter(raw)
            out.bigEndian(UInt32(frameLength))
            out.field(0x1A, length: requestLength)  // Frame.request = 3
            if callID != 0 { out.varintField(0x08, callID) }  // Request.call_id = 1
            if !method.isEmpty { out.field(0x12, method) }  // Request.method = 2
            if !sessionToken.isEmpty { out.field(0x1A, sessionToken) }  // Request.session_token = 3
            if timeoutMs != 0 { out.varintField(0x20, UInt64(timeoutMs)) }  // Request.timeout_ms = 4
            if payloadCount > 0 { out.field(0x2A, length: payloadCount) }  // Request.payload = 5, bytes follow
            return out.written
        }
    }

    /// The bytes of a length-delimited field whose value has `count` bytes (one-byte tag).
    @inline(__always)
    private static func fieldLength(_ count: Int) -> Int {
        1 + varintLength(UInt64(count)) + count
    }

    @inline(__always)
    static func varintLength(_ value: UInt64) -> Int {
        // 1 byte per started 7 bits; 0 takes 1 byte.
        let bits = 64 - (value | 1).leadingZeroBitCount
        return (bits + 6) / 7
    }

    // MARK: Reading

    /// The frame, when it is a Request or Response in the canonical shape;
    /// nil sends it to the generic decoder.
    private static func parseCanonical(_ bytes: UnsafeRawBufferPointer, body: ByteBuffer) -> Inbound? {
        var reader = WireReader(bytes)
        guard let key = reader.varint(), key == 0x1A || key == 0x22,
            let length = reader.length(), reader.offset + length == bytes.count
        else { return nil }
        let end = reader.offset + length
        if key == 0x1A {
            guard let request = parseRequest(&reader, end: end, body: body) else { return nil }
            return .request(request)
        }
        guard let response = parseResponse(&reader, end: end, body: body) else { return nil }
        return .response(response)
    }

    private static func parseRequest(_ reader: inout WireReader, end: Int, body: ByteBuffer) -> RequestEnvelope? {
        var seen: UInt8 = 0
        var callID: UInt64 = 0
        var method = RequestEnvelope.Field.empty
        var sessionToken = RequestEnvelope.Field.empty
        var timeoutMs: UInt32 = 0
        var payload = RequestEnvelope.Field.empty
        while reader.offset < end {
            guard let key = reader.firstOccurrenceKey(seen: &seen, lastField: 5) else { return nil }
            switch key {
            case 0x08:
                guard let value = reader.varint() else { return nil }
                callID = value
            case 0x12:
                guard let field = reader.string(end: end) else { return nil }
                method = field
            case 0x1A:
                guard let field = reader.string(end: end) else { return nil }
                sessionToken = field
            case 0x20:
                guard let value = reader.varint(), value <= UInt64(UInt32.max) else { return nil }
                timeoutMs = UInt32(value)
            case 0x2A:
                guard let field = reader.field(end: end) else { return nil }
                payload = field
            default:
                return nil  // an unknown field or a wrong wire type: the generic decoder decides
            }
        }
        guard reader.offset == end else { return nil }
        return RequestEnvelope(
            callID: callID, timeoutMs: timeoutMs, bytes: body, method: method, sessionToken: sessionToken,
            payload: payload)
    }

    private static func parseResponse(_ reader: inout WireReader, end: Int, body: ByteBuffer) -> ResponseEnvelope? {
        var seen: UInt8 = 0
        var callID: UInt64 = 0
        var status: Rpc_V1_Status? = nil
        var payload: ByteBuffer? = nil
        while reader.offset < end {
            guard let key = reader.firstOccurrenceKey(seen: &seen, lastField: 3) else { return nil }
            switch key {
            case 0x08:
                guard let value = reader.varint() else { return nil }
                callID = value
            case 0x12:
                guard let slice = reader.slice(of: body, end: end), let decoded = try? Rpc_V1_Status(buffer: slice)
                else { return nil }
                status = decoded
            case 0x1A:
                guard let slice = reader.slice(of: body, end: end) else { return nil }
                payload = slice
            default:
                return nil
            }
        }
        guard reader.offset == end else { return nil }
        return ResponseEnvelope(callID: callID, status: status, payload: payload ?? ByteBuffer())
    }
}

/// A cursor over protobuf wire bytes for `FrameEnvelope`; every read returns
/// nil on anything truncated or out of the expected range.
private struct WireReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// A varint of at most 10 bytes whose value fits 64 bits.
    @inline(__always)
    mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            if shift == 63 && byte > 1 { return nil }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }

    /// The next field's key, or nil when it is malformed or repeats a field
    /// 1…`lastField` already read (`seen` has a bit per field read; a
    /// repeated field is left to the generic decoder, which merges or keeps
    /// the last as protobuf says).
    @inline(__always)
    mutating func firstOccurrenceKey(seen: inout UInt8, lastField: UInt64) -> UInt64? {
        guard let key = varint() else { return nil }
        let number = key >> 3
        if number >= 1, number <= lastField {
            let bit = UInt8(1) << UInt8(number)
            guard seen & bit == 0 else { return nil }
            seen |= bit
        }
        return key
    }

    /// A length-delimited value as a slice of `body` (the buffer these bytes
    /// are the readable bytes of): no copy.
    @inline(__always)
    mutating func slice(of body: ByteBuffer, end: Int) -> ByteBuffer? {
        guard let range = lengthDelimited(end: end) else { return nil }
        return body.getSlice(at: body.readerIndex + range.lowerBound, length: range.count)
    }

    /// A length that fits in what is left of the bytes.
    @inline(__always)
    mutating func length() -> Int? {
        guard let length = varint(), length <= UInt64(bytes.count - offset) else { return nil }
        return Int(length)
    }

    /// The byte range of a length-delimited value ending at or before `end`.
    @inline(__always)
    mutating func lengthDelimited(end: Int) -> Range<Int>? {
        guard let length = length(), offset + length <= end else { return nil }
        defer { offset += length }
        return offset..<(offset + length)
    }

    /// Where a length-delimited value is (no copy).
    @inline(__always)
    mutating func field(end: Int) -> RequestEnvelope.Field? {
        guard let range = lengthDelimited(end: end) else { return nil }
        return RequestEnvelope.Field(offset: UInt32(range.lowerBound), count: UInt32(range.count))
    }

    /// Where a string value is (no copy, no `String` made), when it is valid
    /// UTF-8 without U+0000 (the rules of the generic decoder); nil so that
    /// decoder reports it.
    @inline(__always)
    mutating func string(end: Int) -> RequestEnvelope.Field? {
        guard let range = lengthDelimited(end: end) else { return nil }
        guard Self.isValidString(UnsafeRawBufferPointer(rebasing: bytes[range])) else { return nil }
        return RequestEnvelope.Field(offset: UInt32(range.lowerBound), count: UInt32(range.count))
    }

    private static func isValidString(_ value: UnsafeRawBufferPointer) -> Bool {
        guard let base = value.baseAddress else { return true }
        // Bytes 0x01...0x7F only (every method path and token this server
        // issues) need no further check; anything else gets the exact rules:
        // no U+0000, and Swift's strict UTF-8 validation.
        if isPrintableASCII(value) { return true }
        if memchr(base, 0, value.count) != nil { return false }
        return String(validating: value.assumingMemoryBound(to: UInt8.self), as: UTF8.self) != nil
    }

    /// Whether every byte is in 0x01...0x7F: one pass, eight bytes at a time.
    /// (Per byte, `b - 1` borrows into the high bit only for 0x00, and `b`
    /// has it from 0x80 up; a borrow out of a zero byte can flag its
    /// neighbour too, which only sends the string to the exact check.)
    @inline(__always)
    private static func isPrintableASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        var flagged: UInt64 = 0
        while index + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            flagged |= (word &- 0x0101_0101_0101_0101) | word
            index += 8
        }
        while index < bytes.count {
            let byte = UInt64(bytes[index])
            flagged |= (byte &- 1) | byte
            index += 1
        }
        return flagged & 0x8080_8080_8080_8080 == 0
    }
}

/// Writes wire bytes into memory sized beforehand by `FrameEnvelope` (one
/// capacity check for the whole frame instead of one per byte).
private struct RawWriter {
    private let base: UnsafeMutableRawBufferPointer
    private(set) var written = 0

    init(_ base: UnsafeMutableRawBufferPointer) {
        self.base = base
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        base[written] = value
        written += 1
    }

    @inline(__always)
    mutating func bigEndian(_ value: UInt32) {
        base.storeBytes(of: value.bigEndian, toByteOffset: written, as: UInt32.self)
        written += 4
    }

    @inline(__always)
    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            byte(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        byte(UInt8(value))
    }

    @inline(__always)
    mutating func varintField(_ tag: UInt8, _ value: UInt64) {
        byte(tag)
        varint(value)
    }

    /// A length-delimited field's tag and length; its `length` bytes follow.
    @inline(__always)
    mutating func field(_ tag: UInt8, length: Int) {
        byte(tag)
        varint(UInt64(length))
    }

    @inline(__always)
    mutating func field(_ tag: UInt8, _ value: UnsafeRawBufferPointer) {
        field(tag, length: value.count)
        if let source = value.baseAddress {
            (base.baseAddress! + written).copyMemory(from: source, byteCount: value.count)
            written += value.count
        }
    }
}
