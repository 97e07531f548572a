import DealerProtocol

/// List paging: `page_size` (0 = 50, at most 500) and an opaque
/// `page_token` (the store's cursor, as text).
struct PageRequest: Sendable {
    static let defaultSize = 50
    static let maxSize = 500

    let limit: Int
    let cursor: Int64?

    init(pageSize: UInt32, pageToken: String) throws {
        limit = pageSize == 0 ? Self.defaultSize : min(Int(pageSize), Self.maxSize)
        if pageToken.isEmpty {
            cursor = nil
        } else if let value = Int64(pageToken), value >= 0 {
            cursor = value
        } else {
            throw RPCError(.invalidArgument, .invalidPageToken, "page_token is not one this server returned")
        }
    }

    /// The next_page_token for a store cursor.
    static func token(_ cursor: Int64?) -> String {
        cursor.map(String.init) ?? ""
    }
}
