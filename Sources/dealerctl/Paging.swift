/// Every item of a paged list: asks for the first page, then each
/// `next_page_token`, until one comes back empty.
func collectPages<Item>(_ page: (_ pageToken: String) async throws -> (items: [Item], nextPageToken: String)) async throws -> [Item] {
    var items: [Item] = []
    var token = ""
    repeat {
        let next = try await page(token)
        items += next.items
        token = next.nextPageToken
    } while !token.isEmpty
    return items
}
