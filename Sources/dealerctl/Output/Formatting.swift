import ArgumentParser
import DealerProtocol
import Foundation

/// Unix milliseconds as ISO 8601 (UTC), or "-" for 0 (not set).
func formatTime(_ ms: Int64) -> String {
    guard ms != 0 else { return "-" }
    return Date(timeIntervalSince1970: Double(ms) / 1000).ISO8601Format()
}

func formatRights(_ rights: [Common_V1_Right]) -> String {
    rights.isEmpty ? "-" : rights.map { "\($0)".replacingOccurrences(of: "RIGHT_", with: "").lowercased() }.joined(separator: ",")
}

func formatStatus(_ status: Common_V1_RequestStatus) -> String {
    "\(status)".replacingOccurrences(of: "REQUEST_STATUS_", with: "").lowercased()
}

/// Prints rows as columns aligned under a header (two spaces apart; the last
/// column is not padded).
func printTable(_ header: [String], _ rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
    for row in all {
        let cells = row.enumerated().map { column, cell in
            column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
        }
        print(cells.joined(separator: "  "))
    }
}

/// Prints rows as tab-separated columns under a header: the reports of
/// `migrate`, which scripts read line by line.
func printTabSeparated(_ header: [String], _ rows: [[String]]) {
    print(header.joined(separator: "\t"))
    for row in rows { print(row.joined(separator: "\t")) }
}

/// Prints `items` as a table whose columns are proto field paths of the item
/// (`id`, `impersonator.dealer_login`), their values as `humanText` shows them.
func printRows<Item: ProtoMessage>(_ items: [Item], _ columns: [String]) {
    let rows = items.map { item in
        let fields = Dictionary(ProtoJSON.flattened(ProtoJSON.value(of: item)).map { ($0.path, $0.value) }, uniquingKeysWith: { a, _ in a })
        return columns.map { column in fields[column].map { humanText($0, field: column) } ?? "-" }
    }
    printTable(columns, rows)
}

/// Prints every field of `message` as an aligned `field  value` line (nested
/// fields as dotted paths).
func printRecord(_ message: some ProtoMessage) {
    let fields = ProtoJSON.flattened(ProtoJSON.value(of: message))
    guard !fields.isEmpty else {
        print("ok")
        return
    }
    printTable(["field", "value"], fields.map { [$0.path, humanText($0.value, field: $0.path)] })
}

/// Enum value prefixes the human output leaves out (`REQUEST_STATUS_PENDING` → `pending`).
private let enumPrefixes = [
    "REQUEST_STATUS_", "RIGHT_", "REGISTER_STATE_", "REGISTER_CHANGE_KIND_", "REGISTER_FIELD_", "TRANSFER_KIND_",
    "ORGANIZATION_MOVE_KIND_", "SERVING_STATUS_",
]

/// A leaf value for people: `*_ms` times in ISO 8601, enum names short and
/// lower case, lists joined with ",", empty as "-".
func humanText(_ value: JSONValue, field: String) -> String {
    switch value {
    case .null: return "-"
    case .bool(let flag): return flag ? "yes" : "no"
    case .number(let text):
        if field.hasSuffix("_ms"), let ms = Int64(text) { return formatTime(ms) }
        return text
    case .string(let text):
        guard !text.isEmpty else { return "-" }
        if let prefix = enumPrefixes.first(where: { text.hasPrefix($0) }) {
            return text.dropFirst(prefix.count).lowercased()
        }
        return text
    case .array(let items):
        return items.isEmpty ? "-" : items.map { humanText($0, field: field) }.joined(separator: ",")
    case .object:
        return value.rendered()
    }
}

func printSession(_ session: Common_V1_SessionInfo) {
    print("user:      \(session.login) (id \(session.userID))")
    print("account:   \(session.accountName) (id \(session.accountID))")
    print("rights:    \(formatRights(session.rights))")
    print("dealer:    \(session.dealerMode ? "yes" : "no")")
    if let impersonator = session.impersonator {
        print("via:       \(impersonator.dealerLogin) of \(impersonator.dealerAccountName) (LoginToClient)")
    }
    print("expires:   \(formatTime(session.expiresAtMs))")
}

func printRequests(_ requests: [Common_V1_ServiceRequest], nextPageToken: String = "") {
    printTable(
        ["id", "status", "client", "dealer", "blocked", "created", "message"],
        requests.map { request in
            [
                "\(request.id)", formatStatus(request.status),
                "\(request.clientAccountName) (\(request.clientAccountID))",
                "\(request.dealerAccountName) (\(request.dealerAccountID))",
                request.blocked ? "yes" : "no", formatTime(request.createdAtMs), request.message.isEmpty ? "-" : request.message,
            ]
        })
    printNextPage(nextPageToken)
}

/// `--right admin --right dealer` → the proto enum values.
enum RightArgument: String, CaseIterable, ExpressibleByArgument {
    case admin, dealer

    var right: Common_V1_Right { self == .admin ? .admin : .dealer }
}

/// `--status pending` → the request status filter.
enum StatusArgument: String, CaseIterable, ExpressibleByArgument {
    case all, pending, accepted, rejected, cancelled, expired, closed

    var status: Common_V1_RequestStatus {
        switch self {
        case .all: .unspecified
        case .pending: .pending
        case .accepted: .accepted
        case .rejected: .rejected
        case .cancelled: .cancelled
        case .expired: .expired
        case .closed: .closed
        }
    }
}
