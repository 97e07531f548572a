import NIOCore

/// The bytes of a partly received frame, kept between reads: each read is
/// processed in place when nothing is pending (no copy on the hot path), and
/// appended to what is pending otherwise. Used by every frame handler of
/// dealer-load.
struct InboundCumulation {
    private var pending: ByteBuffer?

    /// Hands `process` everything readable (pending bytes first); whatever it
    /// leaves unread is kept for the next read.
    mutating func feed(_ incoming: ByteBuffer, _ process: (inout ByteBuffer) -> Void) {
        var incoming = incoming
        if var buffer = pending.take() {
            buffer.writeBuffer(&incoming)
            process(&buffer)
            if buffer.readableBytes > 0 { pending = buffer }
        } else {
            process(&incoming)
            if incoming.readableBytes > 0 { pending = incoming }
        }
    }
}
