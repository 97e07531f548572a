import DealerProtocol
import NIOCore

/// libFuzzer target: the length-prefix splitter (`FrameDecoder.nextFrame`).
///
/// Input: one control byte, then the byte stream. The control byte picks the
/// frame size limit and the chunk size the stream arrives in. Checks that
/// every frame holds 1 to `maxFrameSize` bytes, that prefixes and bodies
/// account for every byte read, and that the stream split in chunks gives
/// exactly what it gives when it arrives whole.
@_cdecl("LLVMFuzzerTestOneInput")
public func frameSplitterFuzzerTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let control = start[0]
    let stream = Array(UnsafeBufferPointer(start: start + 1, count: count - 1))
    let maxFrameSize = frameSizeLimits[Int(control) % frameSizeLimits.count]
    let chunkSize = Int(control >> 3) + 1
    let whole = SplitOutcome(stream, chunkSize: max(1, stream.count), maxFrameSize: maxFrameSize)
    let chunked = SplitOutcome(stream, chunkSize: chunkSize, maxFrameSize: maxFrameSize)
    precondition(whole == chunked, "splitting in chunks of \(chunkSize) differs from splitting whole")
    if whole.error == nil {
        let accounted = whole.frames.reduce(0) { $0 + FrameDecoder.prefixLength + $1.count } + whole.leftover
        precondition(accounted == stream.count, "frames and leftover do not account for every byte")
        let rest = ByteBuffer(bytes: stream.suffix(whole.leftover))
        precondition(
            (try? FrameDecoder.completeFrameLength(in: rest, maxFrameSize: maxFrameSize)) == .some(nil),
            "the leftover bytes hold a whole frame or a bad prefix")
    }
    return 0
}

/// 1 byte, a few small limits, and the server's default (4 MiB).
private let frameSizeLimits = [1, 7, 256, 65_536, 4 * 1024 * 1024]

/// What splitting a stream gave: the bodies, the framing error that stopped
/// it, and the bytes left over (an incomplete frame).
private struct SplitOutcome: Equatable {
    var frames: [[UInt8]] = []
    var error: FramingError?
    var leftover = 0

    init(_ stream: [UInt8], chunkSize: Int, maxFrameSize: Int) {
        var buffer = ByteBuffer()
        var offset = 0
        while offset < stream.count {
            let end = min(offset + chunkSize, stream.count)
            buffer.writeBytes(stream[offset..<end])
            offset = end
            do {
                while let body = try FrameDecoder.nextFrame(in: &buffer, maxFrameSize: maxFrameSize) {
                    precondition((1...maxFrameSize).contains(body.readableBytes), "frame of \(body.readableBytes) bytes")
                    frames.append(Array(body.readableBytesView))
                }
            } catch {
                self.error = error
                return
            }
        }
        leftover = buffer.readableBytes
    }
}
