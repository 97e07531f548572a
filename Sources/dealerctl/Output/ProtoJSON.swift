import DealerProtocol
import Foundation

/// The JSON form of a generated message, for `--json`: every field under its
/// name in proto/ (snake_case), in field order, defaults included; 64-bit
/// integers as JSON numbers; enums as their proto names
/// ("REQUEST_STATUS_PENDING"); an unset message field as null; bytes as base64.
enum ProtoJSON {
    /// The pretty-printed document of `message`.
    static func document(_ message: some ProtoMessage) -> String {
        value(of: message).rendered()
    }

    /// `message` as a JSON value (reflected: the generated Swift field names
    /// map back to the proto's names, see `protoFieldName`).
    static func value(of any: Any) -> JSONValue {
        switch any {
        case let text as String: return .string(text)
        case let flag as Bool: return .bool(flag)
        case let number as Int32: return .number(String(number))
        case let number as Int64: return .number(String(number))
        case let number as UInt32: return .number(String(number))
        case let number as UInt64: return .number(String(number))
        case let number as Double: return .number(number.isFinite ? String(number) : "null")
        case let number as Float: return .number(number.isFinite ? String(number) : "null")
        // Exactly [UInt8]: an empty array of any element type also casts to it.
        case let bytes as [UInt8] where type(of: any) == [UInt8].self: return .string(Data(bytes).base64EncodedString())
        default: break
        }
        if any is any RawRepresentable, let described = any as? CustomStringConvertible {
            return .string(described.description)
        }
        let mirror = Mirror(reflecting: any)
        switch mirror.displayStyle {
        case .optional:
            return mirror.children.first.map { value(of: $0.value) } ?? .null
        case .collection:
            return .array(mirror.children.map { value(of: $0.value) })
        case .struct:
            return .object(mirror.children.compactMap { child in
                child.label.map { (key: protoFieldName($0), value: value(of: child.value)) }
            })
        default:
            return .string(String(describing: any))
        }
    }

    /// The proto name of a generated Swift field name: `accountID` →
    /// `account_id`, `registerIds` → `register_ids`, `servedSinceMs` →
    /// `served_since_ms` (the generator's camel-casing, undone).
    static func protoFieldName(_ swiftName: String) -> String {
        var out = ""
        let characters = Array(swiftName)
        for (index, character) in characters.enumerated() {
            if character.isUppercase {
                // "ID" is one word: its "D" continues the "I".
                let continuesID = character == "D" && index > 0 && characters[index - 1] == "I"
                if !continuesID && index > 0 { out += "_" }
                out += character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// Flattens a JSON object into dotted paths and leaf values, for records:
    /// `session.login` → "alice". Arrays of scalars join with ","; arrays of
    /// objects are numbered (`registers.0.id`).
    static func flattened(_ value: JSONValue, prefix: String = "") -> [(path: String, value: JSONValue)] {
        switch value {
        case .object(let fields):
            return fields.flatMap { flattened($0.value, prefix: prefix.isEmpty ? $0.key : "\(prefix).\($0.key)") }
        case .array(let items) where items.contains(where: { if case .object = $0 { true } else { false } }):
            return items.enumerated().flatMap { flattened($0.element, prefix: "\(prefix).\($0.offset)") }
        default:
            return [(prefix, value)]
        }
    }
}
