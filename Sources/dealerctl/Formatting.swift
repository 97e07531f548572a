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

/// Prints rows as tab-separated columns under a header.
func printTable(_ header: [String], _ rows: [[String]]) {
    print(header.joined(separator: "\t"))
    for row in rows { print(row.joined(separator: "\t")) }
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

func printRequests(_ requests: [Common_V1_ServiceRequest], nextPageToken: String) {
    printTable(
        ["id", "status", "client", "dealer", "blocked", "created", "message"],
        requests.map { request in
            [
                "\(request.id)", formatStatus(request.status),
                "\(request.clientAccountName) (\(request.clientAccountID))",
                "\(request.dealerAccountName) (\(request.dealerAccountID))",
                request.blocked ? "yes" : "no", formatTime(request.createdAtMs), request.message,
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
