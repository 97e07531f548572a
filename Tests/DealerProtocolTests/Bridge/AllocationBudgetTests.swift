import Testing

@testable import DealerProtocol

/// protobuf-c gives every element of a repeated field, every unknown field
/// and every scanned field memory of its own, so a few wire bytes can take
/// ~100 bytes of heap (protobuf-c issue #796 class). One unpack may take at
/// most `ProtobufCCodec.heapBudget(forUnpacking:)` (1 MiB + 8 × N).
///
/// Measured with protobuf-c 1.4.1: a 4,000,000-byte ListUsersResponse of
/// empty users takes 243,737,840 heap bytes without the budget (a Frame of
/// 2-byte unknown fields 147,238,128); with it, both are refused after
/// 16,777,408 bytes, under the 33,048,576-byte budget.
@Suite("Allocation budget: one unpack takes at most 1 MiB + 8 bytes per wire byte")
struct AllocationBudgetTests {
    static let maxFrameSize = 4 * 1024 * 1024

    /// `count` bytes made of `pattern` repeated (the last copy cut short if needed).
    private func repeating(_ pattern: [UInt8], toCount count: Int) -> [UInt8] {
        var bytes = pattern
        while bytes.count < count { bytes += bytes }
        return Array(bytes.prefix(count))
    }

    private func unpack(_ type: any BridgedMessage.Type, _ bytes: [UInt8], budget: Int? = nil)
        -> (refusal: ProtoDecodingError?, heapBytes: Int)
    {
        bytes.withUnsafeBytes { ProtobufCCodec.unpack(type.protoDescriptor, $0, budget: budget) { _ in } }
    }

    /// Max-size messages that are valid protobuf but cost protobuf-c ~16 to
    /// ~60 heap bytes per wire byte.
    enum HostileMessage: CaseIterable, Sendable {
        case emptyUsers, unknownFields, repeatedEmptyHellos, unpackedRights

        /// The 2 bytes repeated to fill the frame.
        var pattern: [UInt8] {
            switch self {
            case .emptyUsers: [0x0A, 0x00]  // ListUsersResponse.users (1), length 0
            case .unknownFields: [0x78, 0x00]  // Frame field 15 (unknown), varint 0
            case .repeatedEmptyHellos: [0x0A, 0x00]  // Frame.hello (1), length 0: merged each time
            case .unpackedRights: [0x10, 0x01]  // SetUserRightsRequest.rights (2), RIGHT_ADMIN
            }
        }

        var type: any BridgedMessage.Type {
            switch self {
            case .emptyUsers: Auth_V1_ListUsersResponse.self
            case .unknownFields, .repeatedEmptyHellos: Rpc_V1_Frame.self
            case .unpackedRights: Auth_V1_SetUserRightsRequest.self
            }
        }
    }

    @Test("a max-size message of empty repeated elements or unknown fields is refused within the budget",
        arguments: HostileMessage.allCases)
    func worstFramesAreRefused(_ hostile: HostileMessage) throws {
        let bytes = repeating(hostile.pattern, toCount: Self.maxFrameSize)
        let outcome = unpack(hostile.type, bytes)
        let refusal = try #require(outcome.refusal, "\(hostile) decoded")
        #expect(refusal.kind == .overAllocationBudget)
        // The peak: never above the budget, 34,603,008 bytes for a 4 MiB frame.
        #expect(outcome.heapBytes <= ProtobufCCodec.heapBudget(forUnpacking: bytes.count))
        #expect(ProtobufCCodec.heapBudget(forUnpacking: bytes.count) == 34_603_008)
    }

    @Test("the budget is what stops them: without it, 256 KiB of empty users take more than the budget")
    func withoutTheBudget() {
        let bytes = repeating([0x0A, 0x00], toCount: 256 * 1024)
        let unbounded = unpack(Auth_V1_ListUsersResponse.self, bytes, budget: .max)
        #expect(unbounded.refusal == nil)
        #expect(unbounded.heapBytes > ProtobufCCodec.heapBudget(forUnpacking: bytes.count))
        let bounded = unpack(Auth_V1_ListUsersResponse.self, bytes)
        #expect(bounded.refusal?.kind == .overAllocationBudget)
    }

    @Test("the public decoders fail with overAllocationBudget")
    func publicDecoders() {
        let bytes = repeating([0x0A, 0x00], toCount: 256 * 1024)
        let error = #expect(throws: ProtoDecodingError.self) { try Auth_V1_ListUsersResponse(serializedBytes: bytes) }
        #expect(error?.kind == .overAllocationBudget)
    }

    @Test("a full page of 500 users decodes, sparse (only ids) or filled in")
    func fullPagesFit() throws {
        let sparse = Auth_V1_ListUsersResponse(users: (1...500).map { Common_V1_User(id: Int64($0)) })
        let filled = Auth_V1_ListUsersResponse(
            users: (1...500).map {
                Common_V1_User(
                    id: Int64($0), accountID: 7, login: "user-\($0)@example.com", rights: [.admin, .dealer],
                    createdAtMs: 1_700_000_000_000, disabled: $0 % 2 == 0)
            },
            nextPageToken: "next")
        for page in [sparse, filled] {
            let bytes = page.serializedBytes()
            let outcome = unpack(Auth_V1_ListUsersResponse.self, bytes)
            #expect(outcome.refusal == nil)
            #expect(outcome.heapBytes <= ProtobufCCodec.heapBudget(forUnpacking: bytes.count))
            #expect(try Auth_V1_ListUsersResponse(serializedBytes: bytes) == page)
        }
    }
}
