public import DealerProtocol
import NIOCore

/// Decodes `bytes` as `Message` from an array and from a `ByteBuffer` (the
/// two must agree); when that succeeds, the re-encoding must decode to the
/// same message and re-encode to the same bytes. Traps otherwise.
public func checkRoundTrip<Message: ProtoMessage>(_ type: Message.Type, _ bytes: [UInt8]) {
    let fromArray = Result { () throws(ProtoDecodingError) in try Message(serializedBytes: bytes) }
    let fromBuffer = Result { () throws(ProtoDecodingError) in try Message(buffer: ByteBuffer(bytes: bytes)) }
    switch (fromArray, fromBuffer) {
    case (.success(let message), .success(let other)):
        precondition(message == other, "\(Message.protoMessageName): array and buffer decoding differ")
        let encoded = message.serializedBytes()
        guard let again = try? Message(serializedBytes: encoded) else {
            preconditionFailure("\(Message.protoMessageName): the re-encoding of a decoded message does not decode")
        }
        precondition(again == message, "\(Message.protoMessageName): decode(encode(m)) != m")
        precondition(again.serializedBytes() == encoded, "\(Message.protoMessageName): encoding is not stable")
    case (.failure(let error), .failure(let other)):
        precondition(error.kind == other.kind, "\(Message.protoMessageName): array and buffer decoding fail differently")
    default:
        preconditionFailure("\(Message.protoMessageName): array and buffer decoding disagree")
    }
}
