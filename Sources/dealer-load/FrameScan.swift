/// Reads the few header bytes of a serialized rpc.v1.Frame that the load
/// client needs per call, without a protobuf decode.
///
/// protobuf-c packs fields in field-number order, so a Request or Response
/// frame starts with the oneof tag, the sub-message length, then field 1
/// (call_id) of the sub-message; a Response continues with field 2 (Status),
/// whose field 1 (code) is absent when the code is OK.
enum FrameScan {
    /// What the hot path learns from one frame body.
    enum Summary: Equatable {
        /// Frame.request (field 3): what the echo server sends back.
        case request(callID: UInt64)
        /// Frame.response (field 4); `ok` is false when the status code is not 0.
        case response(callID: UInt64, ok: Bool)
        /// Anything else (HelloAck, GoAway, Pong, or an unexpected layout): decode it.
        case other
    }

    private static let requestTag: UInt8 = 3 << 3 | 2
    private static let responseTag: UInt8 = 4 << 3 | 2
    private static let callIDTag: UInt8 = 1 << 3 | 0
    private static let statusTag: UInt8 = 2 << 3 | 2
    private static let codeTag: UInt8 = 1 << 3 | 0

    @inline(__always)
    static func scan(_ body: UnsafeRawBufferPointer) -> Summary {
        guard body.count >= 2 else { return .other }
        let tag = body[0]
        guard tag == requestTag || tag == responseTag else { return .other }
        var index = 1
        guard let innerLength = varint(body, &index), innerLength == UInt64(body.count - index),
            index < body.count, body[index] == callIDTag
        else { return .other }
        index += 1
        guard let callID = varint(body, &index) else { return .other }
        if tag == requestTag { return .request(callID: callID) }
        // Status present with a non-zero code: `12 LL 08 CC...` with LL > 0.
        var ok = true
        if index + 2 < body.count, body[index] == statusTag, body[index + 1] != 0, body[index + 2] == codeTag {
            ok = false
        }
        return .response(callID: callID, ok: ok)
    }

    @inline(__always)
    private static func varint(_ bytes: UnsafeRawBufferPointer, _ index: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count, shift < 64 {
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }
}
