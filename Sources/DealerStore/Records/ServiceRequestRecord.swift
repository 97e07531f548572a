/// A client's request to be served by a dealer.
public struct ServiceRequestRecord: Sendable, Hashable {
    public var id: Int64
    public var clientAccountID: Int64
    public var clientAccountName: String
    public var dealerAccountID: Int64
    public var dealerAccountName: String
    /// Shows `expired` as soon as `expiresAt` has passed, even before the row is updated.
    public var status: RequestStatus
    public var message: String
    public var rejectReason: String?
    public var blocked: Bool
    public var createdAt: Int64
    public var updatedAt: Int64
    public var expiresAt: Int64

    /// Bind `now` as the first parameter (?1); `status` is the effective one.
    static let select = """
        SELECT r.id, r.client_account_id, c.name, r.dealer_account_id, d.name,
               CASE WHEN r.status = 'pending' AND r.expires_at <= ?1 THEN 'expired' ELSE r.status END AS effective_status,
               r.message, r.reject_reason, r.blocked, r.created_at,
               CASE WHEN r.status = 'pending' AND r.expires_at <= ?1 THEN r.expires_at ELSE r.updated_at END,
               r.expires_at
        FROM service_requests r
        JOIN accounts c ON c.id = r.client_account_id
        JOIN accounts d ON d.id = r.dealer_account_id
        """

    init(row: SQLiteStatement) throws {
        id = row.int64(0)
        clientAccountID = row.int64(1)
        clientAccountName = row.text(2)
        dealerAccountID = row.int64(3)
        dealerAccountName = row.text(4)
        let rawStatus = row.text(5)
        guard let status = RequestStatus(rawValue: rawStatus) else {
            throw DealerStoreError("unknown request status '\(rawStatus)' in request \(id)")
        }
        self.status = status
        message = row.text(6)
        rejectReason = row.optionalText(7)
        blocked = row.bool(8)
        createdAt = row.int64(9)
        updatedAt = row.int64(10)
        expiresAt = row.int64(11)
    }
}
