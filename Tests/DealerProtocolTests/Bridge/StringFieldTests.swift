import Testing

@testable import DealerProtocol

/// protobuf-c keeps strings NUL-terminated, so without the wire check
/// "ab\0cd" would decode as "ab". Every input here is written byte by byte,
/// not by our encoder (which cannot even express such a string).
@Suite("String fields: U+0000 and invalid UTF-8 are refused, naming the field")
struct StringFieldTests {
    /// A length-delimited field: key (field number, wire type 2), length, bytes.
    private func field(_ number: UInt8, _ bytes: [UInt8]) -> [UInt8] {
        precondition(number < 16 && bytes.count < 128)
        return [number << 3 | 2, UInt8(bytes.count)] + bytes
    }

    private func refusal<M: ProtoMessage>(_ type: M.Type, _ bytes: [UInt8]) -> ProtoDecodingError? {
        #expect(throws: ProtoDecodingError.self) { try M(serializedBytes: bytes) }
    }

    @Test("a password holding U+0000 is refused, not shortened")
    func nulInPassword() throws {
        // LoginRequest{login: "admin", password: "ab\0cd"}
        let bytes = field(1, Array("admin".utf8)) + field(2, [0x61, 0x62, 0x00, 0x63, 0x64])
        let error = try #require(refusal(Auth_V1_LoginRequest.self, bytes))
        #expect(error.kind == .invalidString)
        #expect(error.field == "auth.v1.LoginRequest.password")
        #expect(error.message == "string field auth.v1.LoginRequest.password holds U+0000")
    }

    @Test(
        "ill-formed UTF-8 is refused",
        arguments: [
            [0xFF],  // never valid
            [0x61, 0x80],  // lone continuation byte
            [0xC0, 0x80],  // overlong U+0000
            [0xE0, 0x80, 0xAF],  // overlong '/'
            [0xED, 0xA0, 0x80],  // UTF-16 surrogate U+D800
            [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
            [0xE2, 0x82],  // truncated at the end
            [0xE2, 0x28, 0xA1],  // bad continuation
            Array(repeating: 0x61, count: 40) + [0xFF] + Array(repeating: 0x62, count: 40),  // long, bad inside
        ] as [[UInt8]])
    func illFormedUTF8(_ value: [UInt8]) throws {
        let error = try #require(refusal(Health_V1_CheckRequest.self, field(1, value)))
        #expect(error.kind == .invalidString)
        #expect(error.field == "health.v1.CheckRequest.service")
        #expect(error.message == "string field health.v1.CheckRequest.service is not valid UTF-8")
    }

    @Test("a bad string inside an element of a repeated message field is found")
    func insideRepeatedMessage() throws {
        // ListUsersResponse{users: [User{login: "ok"}, User{login: "a\0"}], next_page_token: "t"}
        let bytes =
            field(1, field(3, Array("ok".utf8))) + field(1, field(3, [0x61, 0x00])) + field(2, Array("t".utf8))
        let error = try #require(refusal(Auth_V1_ListUsersResponse.self, bytes))
        #expect(error.field == "common.v1.User.login")
    }

    @Test("a bad string two messages deep inside a oneof is found")
    func insideOneofTwoDeep() throws {
        // Frame{go_away: GoAway{last_call_id: 1, status: Status{message: 0xFF}}}
        let goAway: [UInt8] = [0x08, 0x01] + field(2, field(2, [0xFF]))
        let error = try #require(refusal(Rpc_V1_Frame.self, field(7, goAway)))
        #expect(error.field == "rpc.v1.Status.message")
    }

    @Test("every occurrence of a repeated-on-the-wire singular string is checked, not only the last")
    func everyOccurrence() throws {
        let bytes = field(1, [0x00]) + field(1, Array("fine".utf8))
        let error = try #require(refusal(Health_V1_CheckRequest.self, bytes))
        #expect(error.field == "health.v1.CheckRequest.service")
    }

    @Test("valid strings decode whole: multi-byte characters, every ASCII character but U+0000")
    func validStringsDecode() throws {
        for value in ["ключ", "𝄞 emoji 🧾", "\u{7F}\u{1}", String(decoding: (1...127).map { UInt8($0) }, as: UTF8.self)] {
            let decoded = try Health_V1_CheckRequest(serializedBytes: field(1, Array(value.utf8)))
            #expect(decoded.service == value)
        }
    }

    @Test("bytes fields and unknown fields may hold anything")
    func bytesAndUnknownFields() throws {
        // Request{call_id: 1, payload: 00 FF}, then an unknown field 9 holding 00 FF.
        let bytes: [UInt8] = [0x08, 0x01] + field(5, [0x00, 0xFF]) + field(9, [0x00, 0xFF])
        let request = try Rpc_V1_Request(serializedBytes: bytes)
        #expect(request.payload == [0x00, 0xFF])
    }
}
