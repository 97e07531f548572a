import DealerProtocol
import FuzzChecks

/// libFuzzer target: `rpc.v1.Frame` decoding (protobuf-c through the bridge).
///
/// Input: a frame body. Checks that decoding from bytes and from a
/// `ByteBuffer` agree, and that a frame that decodes re-encodes to bytes that
/// decode to the same frame and re-encode to the same bytes; and that
/// `FrameEnvelope` (the fast path of server and client) agrees with the
/// generic decoder and encoder on every input.
@_cdecl("LLVMFuzzerTestOneInput")
public func frameFuzzerTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    checkRoundTrip(Rpc_V1_Frame.self, bytes)
    checkEnvelopeAgreement(bytes)
    return 0
}
