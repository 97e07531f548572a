import DealerProtocol

/// Input checks shared by the services; each failure is INVALID_ARGUMENT
/// with a stable reason.
enum Validation {
    /// 3 to 64 characters of letters, digits and `.` `_` `-` `@`.
    static func login(_ login: String) throws -> String {
        let allowed = login.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ".-_@".unicodeScalars.contains(scalar))
        }
        guard (3...64).contains(login.count), allowed else {
            throw RPCError(.invalidArgument, .invalidLogin, "a login is 3 to 64 characters of letters, digits, '.', '_', '-', '@'")
        }
        return login
    }

    static func password(_ password: String, bounds: ClosedRange<Int>) throws -> String {
        guard bounds.contains(password.utf8.count) else {
            throw RPCError(
                .invalidArgument, .invalidPassword,
                "a password is \(bounds.lowerBound) to \(bounds.upperBound) bytes long")
        }
        return password
    }

    /// 1 to 200 characters, no control characters; surrounding spaces are trimmed.
    static func accountName(_ name: String) throws -> String {
        let trimmed = String(name.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        guard (1...200).contains(trimmed.count), !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw RPCError(.invalidArgument, .invalidAccountName, "an account name is 1 to 200 characters with no control characters")
        }
        return trimmed
    }

    /// At most `limit` characters of free text.
    static func text(_ text: String, field: String, limit: Int = 2000) throws -> String {
        guard text.count <= limit else {
            throw RPCError(.invalidArgument, .invalidArgument, "\(field) is longer than \(limit) characters")
        }
        return text
    }

    /// A positive id: the one check of every id field of every service
    /// (`user_id`, `account_id`, `request_id`, ...), INVALID_ARGUMENT
    /// `INVALID_ARGUMENT` for 0 or less. Run it before any lookup, so a
    /// non-positive id never reaches the store.
    static func id(_ id: Int64, field: String) throws -> Int64 {
        guard id > 0 else {
            throw RPCError(.invalidArgument, .invalidArgument, "\(field) must be a positive id")
        }
        return id
    }

    /// The admin and dealer flags of a rights list; anything else is refused.
    static func rights(_ rights: [Common_V1_Right]) throws -> (admin: Bool, dealer: Bool) {
        var admin = false
        var dealer = false
        for right in rights {
            switch right {
            case .admin: admin = true
            case .dealer: dealer = true
            default:
                throw RPCError(.invalidArgument, .invalidRight, "unknown right \(right); rights are RIGHT_ADMIN and RIGHT_DEALER")
            }
        }
        return (admin, dealer)
    }
}
