import DealerProtocol
import DealerStore

/// Input checks of organizations, groups, registers and transfers; each failure is
/// INVALID_ARGUMENT with a reason naming the field.
enum RegisterValidation {
    /// 10 digits (company) or 12 (individual entrepreneur) whose check digits match
    /// the FNS algorithm: weighted sums mod 11 mod 10.
    static func inn(_ inn: String) throws -> String {
        let digits = inn.utf8.map { Int($0) - 48 }
        guard (digits.count == 10 || digits.count == 12), digits.allSatisfy({ (0...9).contains($0) }) else {
            throw RPCError(.invalidArgument, .invalidInn, "an INN is 10 or 12 digits")
        }
        func check(_ weights: [Int]) -> Int {
            zip(weights, digits).reduce(0) { $0 + $1.0 * $1.1 } % 11 % 10
        }
        let valid = digits.count == 10
            ? check([2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[9]
            : check([7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[10] && check([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[11]
        guard valid else {
            throw RPCError(.invalidArgument, .invalidInn, "the INN \(inn) has wrong check digits")
        }
        return inn
    }

    /// Empty (nil), or 9 digits with a 10-digit INN.
    static func kpp(_ kpp: String, inn: String) throws -> String? {
        guard !kpp.isEmpty else { return nil }
        guard digits(kpp, count: 9) else {
            throw RPCError(.invalidArgument, .invalidKpp, "a KPP is 9 digits")
        }
        guard inn.count == 10 else {
            throw RPCError(.invalidArgument, .invalidKpp, "only an organization with a 10-digit INN has a KPP")
        }
        return kpp
    }

    /// An organization's or group's name: 1 to 200 characters; a register's: 0 to 200.
    static func name(_ name: String, required: Bool = true) throws -> String {
        try text(name, bounds: (required ? 1 : 0)...200, reason: .invalidName, field: "a name")
    }

    /// 1 to 100 characters.
    static func model(_ model: String) throws -> String {
        try text(model, bounds: 1...100, reason: .invalidModel, field: "a model")
    }

    /// At most 500 characters.
    static func address(_ address: String) throws -> String {
        try text(address, bounds: 0...500, reason: .invalidAddress, field: "an address")
    }

    /// 1 to 20 ASCII letters, digits or '-'.
    static func serialNumber(_ serial: String) throws -> String {
        let allowed = serial.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
        guard (1...20).contains(serial.unicodeScalars.count), allowed else {
            throw RPCError(.invalidArgument, .invalidSerialNumber, "a serial number is 1 to 20 ASCII letters, digits or '-'")
        }
        return serial
    }

    static func registrationNumber(_ number: String) throws -> String {
        guard digits(number, count: 16) else {
            throw RPCError(.invalidArgument, .invalidRegistrationNumber, "a registration number is 16 digits")
        }
        return number
    }

    static func fiscalDriveNumber(_ number: String) throws -> String {
        guard digits(number, count: 16) else {
            throw RPCError(.invalidArgument, .invalidFiscalDriveNumber, "a fiscal drive number is 16 digits")
        }
        return number
    }

    /// A UUID, 8-4-4-4-12 hex digits in any case; returned lowercased.
    static func operationID(_ id: String) throws -> String {
        let scalars = Array(id.unicodeScalars)
        let dashes: Set<Int> = [8, 13, 18, 23]
        let valid = scalars.count == 36 && scalars.indices.allSatisfy { index in
            dashes.contains(index) ? scalars[index] == "-" : scalars[index].properties.isASCIIHexDigit
        }
        guard valid else {
            throw RPCError(.invalidArgument, .invalidOperationID, "operation_id is a UUID (8-4-4-4-12 hex digits)")
        }
        return id.lowercased()
    }

    /// 1 to 10,000 positive ids; ascending, duplicates dropped.
    static func registerIDs(_ ids: [Int64]) throws -> [Int64] {
        guard !ids.isEmpty else {
            throw RPCError(.invalidArgument, .invalidArgument, "register_ids is empty")
        }
        let limit = DealerStore.maxRegistersPerOperation
        guard ids.count <= limit else {
            throw RPCError(.invalidArgument, .tooManyRegisters, "at most \(limit) register ids per call")
        }
        for id in ids { _ = try Validation.id(id, field: "register_ids") }
        return Array(Set(ids)).sorted()
    }

    /// An optional id: 0 = none.
    static func optionalID(_ id: Int64, field: String) throws -> Int64? {
        id == 0 ? nil : try Validation.id(id, field: field)
    }

    private static func digits(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { (48...57).contains($0) }
    }

    /// Trimmed, within `bounds` characters, no control characters.
    private static func text(_ text: String, bounds: ClosedRange<Int>, reason: RPCError.Reason, field: String) throws -> String {
        let trimmed = String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        guard bounds.contains(trimmed.count), !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw RPCError(
                .invalidArgument, reason,
                "\(field) is \(bounds.lowerBound) to \(bounds.upperBound) characters with no control characters")
        }
        return trimmed
    }
}
