// The one place that imports protobuf-c and the generated C code.
//
// Everything unsafe about protobuf messages lives here: generated Swift types
// (Generated/) read and write fields through `ProtoReader` and `ProtoWriter`
// by field number, and this file maps a field number to its C storage using
// protobuf-c's runtime descriptors (offset, type, label, oneof flag). No C
// type is visible outside this file: the C modules are imported `internal`,
// and everything holding a C pointer (`ProtoDescriptor`, `ProtoReader`,
// `ProtoWriter`) is internal to DealerProtocol, so the compiler refuses any
// public API that would expose one.
//
// Ownership: every C allocation of an encode or a decode comes from one
// `CArena` owned by that call (1 KiB on the stack, heap blocks beyond), and
// the arena frees all of it exactly once when the call ends:
// - decoding: `protobuf_c_message_unpack` gets an allocator backed by the
//   arena; the Swift value is read out before the arena goes away.
// - encoding: the C message tree is built in the arena, then packed.
//
// Strings: protobuf-c hands a string over NUL-terminated, without its length,
// so decoding checks every string field on the wire for U+0000 first
// (`WireStrings`), then reads each as strictly validated UTF-8: U+0000 or
// invalid UTF-8 fails the decode with `.invalidString`, naming the field.
internal import CProtobufC
internal import DealerProtoC
internal import NIOCore

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif


// MARK: - Descriptors

/// A protobuf-c message descriptor, looked up by full name.
///
/// Descriptors are immutable static data in the generated C code.
struct ProtoDescriptor: @unchecked Sendable {
    // @unchecked: the pointer refers to a `const` static descriptor that lives
    // for the whole process and is never written.
    fileprivate let pointer: UnsafePointer<ProtobufCMessageDescriptor>

    /// The descriptor of the message with this full name ("rpc.v1.Frame").
    /// A name missing from the generated C code is a build error in spirit:
    /// the generated Swift and C came from different .proto files.
    init(named fullName: String) {
        guard let descriptor = Self.table[fullName] else {
            preconditionFailure("no protobuf-c descriptor for \(fullName): run scripts/generate")
        }
        self = descriptor
    }

    private init(pointer: UnsafePointer<ProtobufCMessageDescriptor>) {
        self.pointer = pointer
    }

    private static let table: [String: ProtoDescriptor] = {
        var table: [String: ProtoDescriptor] = [:]
        for index in 0..<dealer_proto_descriptor_count() {
            let descriptor = dealer_proto_descriptor_at(index)!
            table[String(cString: descriptor.pointee.name)] = ProtoDescriptor(pointer: descriptor)
        }
        return table
    }()

    /// protoc-c lists fields by number, so with numbers 1…n (every message
    /// of this contract) field `number` sits at index `number - 1`; anything
    /// else falls back to protobuf-c's lookup.
    @inline(__always)
    fileprivate func field(_ number: Int) -> UnsafePointer<ProtobufCFieldDescriptor> {
        guard let field = Self.field(number, of: pointer) else {
            preconditionFailure("\(String(cString: pointer.pointee.name)) has no field \(number)")
        }
        return field
    }

    /// The field `number` of `message`, or nil when it has none.
    @inline(__always)
    fileprivate static func field(
        _ number: Int, of message: UnsafePointer<ProtobufCMessageDescriptor>
    ) -> UnsafePointer<ProtobufCFieldDescriptor>? {
        // Read through the pointer: copying the descriptor struct out costs more.
        if number >= 1, number <= Int(message.pointee.n_fields) {
            let candidate = message.pointee.fields + (number - 1)
            if candidate.pointee.id == UInt32(number) { return candidate }
        }
        guard number >= 1, number <= Int(UInt32.max) else { return nil }
        return protobuf_c_message_descriptor_get_field(message, UInt32(number))
    }
}

// MARK: - Decoding

/// Read access to the fields of an unpacked C message, valid only during
/// `BridgedMessage.init(protoReader:)`. Generated code is its only user.
struct ProtoReader {
    private let message: UnsafeRawPointer
    private let descriptor: ProtoDescriptor

    fileprivate init(message: UnsafeRawPointer, descriptor: ProtoDescriptor) {
        self.message = message
        self.descriptor = descriptor
    }

    /// The storage of a singular field, or nil when it is a oneof member that is not set.
    private func storage(_ number: Int) -> UnsafeRawPointer? {
        let field = descriptor.field(number)
        if field.pointee.flags & UInt32(PROTOBUF_C_FIELD_FLAG_ONEOF.rawValue) != 0 {
            let setCase = message.load(fromByteOffset: Int(field.pointee.quantifier_offset), as: UInt32.self)
            if setCase != field.pointee.id { return nil }
        }
        return message + Int(field.pointee.offset)
    }

    private func scalar<T>(_ number: Int, _ zero: T) -> T {
        storage(number)?.load(as: T.self) ?? zero
    }

    private func repeated<Element, T>(_ number: Int, as: Element.Type, _ convert: (Element) throws(ProtoDecodingError) -> T) throws(ProtoDecodingError) -> [T] {
        let field = descriptor.field(number)
        let count = message.load(fromByteOffset: Int(field.pointee.quantifier_offset), as: Int.self)
        guard count > 0, let elements = message.load(fromByteOffset: Int(field.pointee.offset), as: UnsafeRawPointer?.self) else {
            return []
        }
        var result: [T] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            result.append(try convert(elements.load(fromByteOffset: index * MemoryLayout<Element>.stride, as: Element.self)))
        }
        return result
    }

    /// The field number of the member set in the oneof that `anyMemberNumber` belongs to, or 0.
    func readOneofCase(_ anyMemberNumber: Int) -> Int {
        let field = descriptor.field(anyMemberNumber)
        return Int(message.load(fromByteOffset: Int(field.pointee.quantifier_offset), as: UInt32.self))
    }

    func readInt32(_ number: Int) -> Int32 { scalar(number, 0) }
    func readUInt32(_ number: Int) -> UInt32 { scalar(number, 0) }
    func readInt64(_ number: Int) -> Int64 { scalar(number, 0) }
    func readUInt64(_ number: Int) -> UInt64 { scalar(number, 0) }
    func readFloat(_ number: Int) -> Float { scalar(number, 0) }
    func readDouble(_ number: Int) -> Double { scalar(number, 0) }
    func readEnum(_ number: Int) -> Int32 { scalar(number, 0) }
    func readBool(_ number: Int) -> Bool { scalar(number, protobuf_c_boolean(0)) != 0 }

    func readString(_ number: Int) throws(ProtoDecodingError) -> String {
        guard let storage = storage(number) else { return "" }
        return try string(storage.load(as: UnsafePointer<CChar>?.self), field: number)
    }

    func readBytes(_ number: Int) -> [UInt8] {
        guard let storage = storage(number) else { return [] }
        return Self.bytes(storage.load(as: ProtobufCBinaryData.self))
    }

    func readMessage<M: BridgedMessage>(_ number: Int, as type: M.Type) throws(ProtoDecodingError) -> M? {
        guard let storage = storage(number),
            let child = storage.load(as: UnsafeRawPointer?.self)
        else { return nil }
        return try M(protoReader: ProtoReader(message: child, descriptor: M.protoDescriptor))
    }

    func readOneofMessage<M: BridgedMessage>(_ number: Int, as type: M.Type) throws(ProtoDecodingError) -> M {
        guard let message = try readMessage(number, as: type) else {
            throw ProtoDecodingError(.malformed, "oneof member \(number) of \(descriptor.fullName) is set but empty")
        }
        return message
    }

    func readRepeatedInt32(_ number: Int) -> [Int32] { (try? repeated(number, as: Int32.self) { $0 }) ?? [] }
    func readRepeatedUInt32(_ number: Int) -> [UInt32] { (try? repeated(number, as: UInt32.self) { $0 }) ?? [] }
    func readRepeatedInt64(_ number: Int) -> [Int64] { (try? repeated(number, as: Int64.self) { $0 }) ?? [] }
    func readRepeatedUInt64(_ number: Int) -> [UInt64] { (try? repeated(number, as: UInt64.self) { $0 }) ?? [] }
    func readRepeatedFloat(_ number: Int) -> [Float] { (try? repeated(number, as: Float.self) { $0 }) ?? [] }
    func readRepeatedDouble(_ number: Int) -> [Double] { (try? repeated(number, as: Double.self) { $0 }) ?? [] }
    func readRepeatedEnum(_ number: Int) -> [Int32] { (try? repeated(number, as: Int32.self) { $0 }) ?? [] }
    func readRepeatedBool(_ number: Int) -> [Bool] { (try? repeated(number, as: protobuf_c_boolean.self) { $0 != 0 }) ?? [] }
    func readRepeatedBytes(_ number: Int) -> [[UInt8]] {
        (try? repeated(number, as: ProtobufCBinaryData.self) { Self.bytes($0) }) ?? []
    }

    func readRepeatedString(_ number: Int) throws(ProtoDecodingError) -> [String] {
        try repeated(number, as: UnsafePointer<CChar>?.self) { (pointer) throws(ProtoDecodingError) in
            try string(pointer, field: number)
        }
    }

    func readRepeatedMessage<M: BridgedMessage>(_ number: Int, as type: M.Type) throws(ProtoDecodingError) -> [M] {
        try repeated(number, as: UnsafeRawPointer?.self) { (child) throws(ProtoDecodingError) in
            guard let child else { throw ProtoDecodingError(.malformed, "null element in repeated field \(number)") }
            return try M(protoReader: ProtoReader(message: child, descriptor: M.protoDescriptor))
        }
    }

    /// A string the wire check (`WireStrings`) has passed already: it holds
    /// no NUL, so the NUL-terminated copy is the whole value; here it must
    /// also be valid UTF-8.
    private func string(_ pointer: UnsafePointer<CChar>?, field number: Int) throws(ProtoDecodingError) -> String {
        guard let pointer, pointer.pointee != 0 else { return "" }
        guard let string = String(validatingCString: pointer) else {
            throw WireStrings.error(.invalidUTF8, field: descriptor.field(number), of: descriptor.pointer)
        }
        return string
    }

    private static func bytes(_ data: ProtobufCBinaryData) -> [UInt8] {
        guard data.len > 0, let base = data.data else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: data.len))
    }
}

extension ProtoDescriptor {
    /// The message's full name, e.g. "rpc.v1.Frame".
    var fullName: String { String(cString: pointer.pointee.name) }
}

// MARK: - Encoding

/// The memory of one C message tree being built for packing: a bump
/// allocator over a caller-provided first block (stack memory), then heap
/// blocks chained through their first word. Plain data, so an encode makes
/// no Swift heap object; `releaseHeapBlocks()` frees what it took, once.
private struct CArena {
    private var cursor: UnsafeMutableRawPointer?
    private var remaining: Int
    /// The newest heap block; each block's first word points at the previous one.
    private var lastHeapBlock: UnsafeMutableRawPointer? = nil
    /// Bytes of the heap blocks this arena holds (headers included): nothing
    /// is freed before the arena goes, so this is also its peak.
    private(set) var heapBytes = 0
    /// The most `heapBytes` may reach through `allocateWithinBudget`.
    var heapBudget = Int.max
    /// Set once `allocateWithinBudget` has refused a request.
    private(set) var refusedOverBudget = false

    private static let heapBlockSize = 4096
    private static let header = 16

    init(initial: UnsafeMutableRawBufferPointer) {
        cursor = initial.baseAddress
        remaining = initial.count
    }

    /// Like `allocate`, but nil (and `refusedOverBudget`) when the heap
    /// block it would need takes `heapBytes` above `heapBudget`.
    mutating func allocateWithinBudget(_ size: Int) -> UnsafeMutableRawPointer? {
        guard size <= heapBudget else {
            refusedOverBudget = true
            return nil
        }
        let rounded = (max(size, 1) + 15) & ~15
        if rounded > remaining, max(Self.heapBlockSize, rounded + Self.header) > heapBudget - heapBytes {
            refusedOverBudget = true
            return nil
        }
        return allocate(size)
    }

    /// Uninitialized memory for `size` bytes aligned to 16. Every user
    /// initializes all of it (message structs via their `message_init`).
    mutating func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        let rounded = (max(size, 1) + 15) & ~15
        if rounded > remaining {
            let blockSize = max(Self.heapBlockSize, rounded + Self.header)
            let block = UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 16)
            heapBytes += blockSize
            block.storeBytes(of: lastHeapBlock, as: UnsafeMutableRawPointer?.self)
            lastHeapBlock = block
            cursor = block + Self.header
            remaining = blockSize - Self.header
        }
        let result = cursor!
        cursor = result + rounded
        remaining -= rounded
        return result
    }

    mutating func releaseHeapBlocks() {
        while let block = lastHeapBlock {
            lastHeapBlock = block.load(as: UnsafeMutableRawPointer?.self)
            block.deallocate()
        }
    }

    /// Runs `body` with an arena whose first 1 KiB is on the stack, and
    /// frees its heap blocks afterwards.
    @inline(__always)
    static func with<R>(_ body: (UnsafeMutablePointer<CArena>) -> R) -> R {
        withUnsafeTemporaryAllocation(byteCount: 1024, alignment: 16) { initial in
            var arena = CArena(initial: initial)
            defer { arena.releaseHeapBlocks() }
            return withUnsafeMutablePointer(to: &arena) { body($0) }
        }
    }
}

/// Write access to the fields of a C message being built, valid only during
/// `BridgedMessage.write(to:)`. Generated code is its only user. Default values
/// (zero, empty) of plain proto3 fields are left unset, as proto3 packs them.
struct ProtoWriter {
    private let arena: UnsafeMutablePointer<CArena>
    fileprivate let message: UnsafeMutableRawPointer
    private let descriptor: ProtoDescriptor

    fileprivate init(arena: UnsafeMutablePointer<CArena>, descriptor: ProtoDescriptor) {
        self.arena = arena
        self.descriptor = descriptor
        self.message = arena.pointee.allocate(descriptor.pointer.pointee.sizeof_message)
        descriptor.pointer.pointee.message_init(message.assumingMemoryBound(to: ProtobufCMessage.self))
    }

    /// Builds `value` as a C message in `arena`.
    fileprivate static func build<M: BridgedMessage>(_ value: M, in arena: UnsafeMutablePointer<CArena>) -> UnsafeMutableRawPointer {
        var writer = ProtoWriter(arena: arena, descriptor: M.protoDescriptor)
        value.write(to: &writer)
        return writer.message
    }

    /// Where to store a singular field, or nil when a plain field holds its default.
    private func slot(_ number: Int, isDefault: Bool) -> UnsafeMutableRawPointer? {
        let field = descriptor.field(number)
        if field.pointee.flags & UInt32(PROTOBUF_C_FIELD_FLAG_ONEOF.rawValue) != 0 {
            message.storeBytes(of: field.pointee.id, toByteOffset: Int(field.pointee.quantifier_offset), as: UInt32.self)
        } else if isDefault {
            return nil
        }
        return message + Int(field.pointee.offset)
    }

    private func scalar<T: Equatable>(_ number: Int, _ value: T, zero: T) {
        slot(number, isDefault: value == zero)?.storeBytes(of: value, as: T.self)
    }

    private func repeated<T, Element>(_ number: Int, _ values: [T], as: Element.Type, _ convert: (T) -> Element) {
        guard !values.isEmpty else { return }
        let field = descriptor.field(number)
        let elements = arena.pointee.allocate(values.count * MemoryLayout<Element>.stride)
        for (index, value) in values.enumerated() {
            elements.storeBytes(of: convert(value), toByteOffset: index * MemoryLayout<Element>.stride, as: Element.self)
        }
        message.storeBytes(of: values.count, toByteOffset: Int(field.pointee.quantifier_offset), as: Int.self)
        message.storeBytes(of: UnsafeRawPointer(elements), toByteOffset: Int(field.pointee.offset), as: UnsafeRawPointer.self)
    }

    private func cString(_ value: String) -> UnsafePointer<CChar> {
        var value = value
        return value.withUTF8 { utf8 in
            let copy = arena.pointee.allocate(utf8.count + 1)
            if let base = utf8.baseAddress { copy.copyMemory(from: base, byteCount: utf8.count) }
            copy.storeBytes(of: 0, toByteOffset: utf8.count, as: UInt8.self)
            return UnsafePointer(copy.assumingMemoryBound(to: CChar.self))
        }
    }

    private func binary(_ value: [UInt8]) -> ProtobufCBinaryData {
        let copy = arena.pointee.allocate(value.count)
        value.withUnsafeBytes { if let base = $0.baseAddress { copy.copyMemory(from: base, byteCount: $0.count) } }
        return ProtobufCBinaryData(len: value.count, data: copy.assumingMemoryBound(to: UInt8.self))
    }

    mutating func writeInt32(_ number: Int, _ value: Int32) { scalar(number, value, zero: 0) }
    mutating func writeUInt32(_ number: Int, _ value: UInt32) { scalar(number, value, zero: 0) }
    mutating func writeInt64(_ number: Int, _ value: Int64) { scalar(number, value, zero: 0) }
    mutating func writeUInt64(_ number: Int, _ value: UInt64) { scalar(number, value, zero: 0) }
    mutating func writeFloat(_ number: Int, _ value: Float) { scalar(number, value, zero: 0) }
    mutating func writeDouble(_ number: Int, _ value: Double) { scalar(number, value, zero: 0) }
    mutating func writeEnum(_ number: Int, _ value: Int32) { scalar(number, value, zero: 0) }
    mutating func writeBool(_ number: Int, _ value: Bool) {
        scalar(number, protobuf_c_boolean(value ? 1 : 0), zero: 0)
    }

    mutating func writeString(_ number: Int, _ value: String) {
        guard let slot = slot(number, isDefault: value.isEmpty) else { return }
        slot.storeBytes(of: cString(value), as: UnsafePointer<CChar>.self)
    }

    mutating func writeBytes(_ number: Int, _ value: [UInt8]) {
        guard let slot = slot(number, isDefault: value.isEmpty) else { return }
        slot.storeBytes(of: binary(value), as: ProtobufCBinaryData.self)
    }

    mutating func writeMessage<M: BridgedMessage>(_ number: Int, _ value: M?) {
        guard let value, let slot = slot(number, isDefault: false) else { return }
        slot.storeBytes(of: UnsafeRawPointer(Self.build(value, in: arena)), as: UnsafeRawPointer.self)
    }

    mutating func writeRepeatedInt32(_ number: Int, _ values: [Int32]) { repeated(number, values, as: Int32.self) { $0 } }
    mutating func writeRepeatedUInt32(_ number: Int, _ values: [UInt32]) { repeated(number, values, as: UInt32.self) { $0 } }
    mutating func writeRepeatedInt64(_ number: Int, _ values: [Int64]) { repeated(number, values, as: Int64.self) { $0 } }
    mutating func writeRepeatedUInt64(_ number: Int, _ values: [UInt64]) { repeated(number, values, as: UInt64.self) { $0 } }
    mutating func writeRepeatedFloat(_ number: Int, _ values: [Float]) { repeated(number, values, as: Float.self) { $0 } }
    mutating func writeRepeatedDouble(_ number: Int, _ values: [Double]) { repeated(number, values, as: Double.self) { $0 } }
    mutating func writeRepeatedEnum(_ number: Int, _ values: [Int32]) { repeated(number, values, as: Int32.self) { $0 } }
    mutating func writeRepeatedBool(_ number: Int, _ values: [Bool]) {
        repeated(number, values, as: protobuf_c_boolean.self) { $0 ? 1 : 0 }
    }
    mutating func writeRepeatedString(_ number: Int, _ values: [String]) {
        repeated(number, values, as: UnsafePointer<CChar>.self) { cString($0) }
    }
    mutating func writeRepeatedBytes(_ number: Int, _ values: [[UInt8]]) {
        repeated(number, values, as: ProtobufCBinaryData.self) { binary($0) }
    }
    mutating func writeRepeatedMessage<M: BridgedMessage>(_ number: Int, _ values: [M]) {
        let arena = self.arena
        repeated(number, values, as: UnsafeRawPointer.self) { UnsafeRawPointer(Self.build($0, in: arena)) }
    }
}

// MARK: - Whole-message entry points

/// Whole-message encode and decode. Not generic over the message type where
/// it matters: the hot paths take a descriptor and a closure, so no generic
/// metadata is looked up per call.
enum ProtobufCCodec {
    /// Builds the C message with `write` and hands its packed size and a
    /// packing function to `body`.
    @inline(__always)
    private static func withBuilt<R>(
        _ descriptor: ProtoDescriptor, _ write: (inout ProtoWriter) -> Void,
        _ body: (Int, UnsafePointer<ProtobufCMessage>) -> R
    ) -> R {
        CArena.with { arena in
            var writer = ProtoWriter(arena: arena, descriptor: descriptor)
            write(&writer)
            let message = UnsafePointer(writer.message.assumingMemoryBound(to: ProtobufCMessage.self))
            return body(protobuf_c_message_get_packed_size(message), message)
        }
    }

    /// The packed bytes of the message `write` builds.
    static func packedBytes(_ descriptor: ProtoDescriptor, _ write: (inout ProtoWriter) -> Void) -> [UInt8] {
        withBuilt(descriptor, write) { size, message in
            guard size > 0 else { return [] }
            // Packed into scratch memory, then copied: Array's uninitialized
            // initializer looks up generic metadata on every call on Linux,
            // which costs more than the copy of a message this size.
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { scratch in
                _ = protobuf_c_message_pack(message, scratch.baseAddress!)
                return Array(UnsafeBufferPointer(scratch))
            }
        }
    }

    /// Appends the packed bytes of the message `write` builds; returns their count.
    static func pack(_ descriptor: ProtoDescriptor, into buffer: inout ByteBuffer, _ write: (inout ProtoWriter) -> Void) -> Int {
        pack(descriptor, into: &buffer, header: { _, _ in }, write)
    }

    /// Appends what `header` writes, given the packed size of the message
    /// `write` builds, then the packed bytes themselves (packed in place);
    /// returns their count.
    static func pack(
        _ descriptor: ProtoDescriptor, into buffer: inout ByteBuffer, header: (Int, inout ByteBuffer) -> Void,
        _ write: (inout ProtoWriter) -> Void
    ) -> Int {
        withBuilt(descriptor, write) { size, message in
            header(size, &buffer)
            return buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { destination in
                if size > 0 {
                    _ = protobuf_c_message_pack(message, destination.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
                return size
            }
        }
    }

    /// Unpacks `bytes` with protobuf-c into an arena, checks every string
    /// field of the bytes (`WireStrings`), and hands `read` a reader over the
    /// result. Returns why the bytes were refused instead (and then does not
    /// call `read`). The C message lives only during `read`. Not generic, so
    /// no metadata lookups per call.
    static func withUnpacked(
        _ descriptor: ProtoDescriptor, _ bytes: UnsafeRawBufferPointer, _ read: (ProtoReader) -> Void
    ) -> ProtoDecodingError? {
        unpack(descriptor, bytes, read).refusal
    }

    /// The most heap memory protobuf-c may take to unpack a message of
    /// `byteCount` bytes: 1 MiB plus 8 bytes per byte. Past it the decode
    /// fails (`.overAllocationBudget`): protobuf-c gives every element of a
    /// repeated field, every unknown field and every field it scans memory of
    /// its own (a 2-byte empty message becomes a struct, a pointer and a scan
    /// record, ~120 bytes), so without a bound a 4 MiB frame of empty
    /// repeated messages would take hundreds of MiB.
    static func heapBudget(forUnpacking byteCount: Int) -> Int {
        (1 << 20) + 8 * byteCount
    }

    /// `withUnpacked`, also returning the heap bytes the unpack took (its
    /// peak). Tests may pass another `budget`.
    static func unpack(
        _ descriptor: ProtoDescriptor, _ bytes: UnsafeRawBufferPointer, budget: Int? = nil,
        _ read: (ProtoReader) -> Void
    ) -> (refusal: ProtoDecodingError?, heapBytes: Int) {
        // protobuf-c wants a non-null pointer even for zero bytes; it reads none.
        let one: StaticString = " "
        let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? one.utf8Start
        let budget = budget ?? heapBudget(forUnpacking: bytes.count)
        return CArena.with { arena in
            var allocator = ProtobufCAllocator(
                alloc: { data, size in data!.assumingMemoryBound(to: CArena.self).pointee.allocateWithinBudget(size) },
                free: { _, _ in },  // the arena frees everything at once
                allocator_data: UnsafeMutableRawPointer(arena))
            arena.pointee.heapBudget = budget
            guard let message = protobuf_c_message_unpack(descriptor.pointer, &allocator, bytes.count, base) else {
                let refusal =
                    arena.pointee.refusedOverBudget
                    ? ProtoDecodingError(
                        .overAllocationBudget,
                        "unpacking these \(bytes.count) bytes as \(descriptor.fullName) would take more than \(budget) bytes")
                    : ProtoDecodingError(.malformed, "bytes are not a valid \(descriptor.fullName)")
                return (refusal, arena.pointee.heapBytes)
            }
            // Without a zero byte anywhere (the common case: proto3 omits zero
            // values, and a varint has no 0x00 byte otherwise) no string can hold U+0000.
            if let base = bytes.baseAddress, memchr(base, 0, bytes.count) != nil,
                let invalid = WireStrings.firstInvalid(in: bytes, of: descriptor.pointer)
            {
                return (invalid, arena.pointee.heapBytes)
            }
            read(ProtoReader(message: UnsafeRawPointer(message), descriptor: descriptor))
            return (nil, arena.pointee.heapBytes)
        }
    }
}

// MARK: - Strings on the wire

/// protobuf-c keeps a string field as a NUL-terminated copy and drops its
/// length, so "ab\0cd" would reach Swift as "ab", silently. Before a decoded
/// message is read, this walk goes over the wire bytes once more, guided by
/// the same descriptors, and refuses the first string field (at any depth,
/// repeated or not) that holds U+0000, naming it
/// ("auth.v1.LoginRequest.password"). With no NUL inside, the C copy is the
/// whole string, and `ProtoReader` then refuses one that is not valid UTF-8
/// (`String(validatingCString:)`, Swift's strict validation) with the same
/// kind of error. Unknown fields are skipped, as protobuf-c skips them. The
/// walk runs only on bytes protobuf-c has accepted, so anything malformed
/// (which cannot occur there) just ends it.
enum WireStrings {
    /// Why a string field's bytes are refused.
    enum Problem: Equatable {
        case nul
        case invalidUTF8
    }

    /// The error for the first invalid string field in `bytes`, a message of
    /// type `message`, or nil when every string field is valid.
    static func firstInvalid(
        in bytes: UnsafeRawBufferPointer, of message: UnsafePointer<ProtobufCMessageDescriptor>
    ) -> ProtoDecodingError? {
        var offset = 0
        while offset < bytes.count {
            guard let key = varint(bytes, &offset) else { return nil }
            switch key & 7 {
            case 0:
                guard varint(bytes, &offset) != nil else { return nil }
            case 1:
                offset += 8
            case 5:
                offset += 4
            case 2:
                guard let length = varint(bytes, &offset), length <= UInt64(bytes.count - offset) else { return nil }
                let value = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(length)])
                offset += Int(length)
                guard key >> 3 <= UInt64(UInt32.max), let field = ProtoDescriptor.field(Int(key >> 3), of: message) else {
                    continue  // an unknown field
                }
                switch field.pointee.type {
                case PROTOBUF_C_TYPE_STRING:
                    // memchr: a vectorized scan; UTF-8 is checked where the string is read.
                    if let base = value.baseAddress, memchr(base, 0, value.count) != nil {
                        return error(.nul, field: field, of: message)
                    }
                case PROTOBUF_C_TYPE_MESSAGE:
                    let child = field.pointee.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
                    if let invalid = firstInvalid(in: value, of: child) { return invalid }
                default:
                    break  // bytes, or a packed run of scalars
                }
            default:
                return nil  // groups: protobuf-c refuses them
            }
        }
        return nil
    }

    /// The decoding error naming `field` of `message`.
    static func error(
        _ problem: Problem, field: UnsafePointer<ProtobufCFieldDescriptor>,
        of message: UnsafePointer<ProtobufCMessageDescriptor>
    ) -> ProtoDecodingError {
        let name = "\(String(cString: message.pointee.name)).\(String(cString: field.pointee.name))"
        let what = problem == .nul ? "holds U+0000" : "is not valid UTF-8"
        return ProtoDecodingError(.invalidString, "string field \(name) \(what)", field: name)
    }

    private static func varint(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }
}
