/// One page of a list and the cursor of the next one (nil on the last page).
/// Cursors are opaque row positions: pass `nextCursor` back unchanged.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: Int64?

    /// Builds a page from up to `limit + 1` rows fetched in cursor order.
    init(fetched rows: [Item], limit: Int, cursor: (Item) -> Int64) {
        if rows.count > limit {
            items = Array(rows.prefix(limit))
            nextCursor = items.last.map(cursor)
        } else {
            items = rows
            nextCursor = nil
        }
    }
}

extension Page: Equatable where Item: Equatable {}
