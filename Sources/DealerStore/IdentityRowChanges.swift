/// The rows of `sessions`, `users` and `accounts` that a committed write
/// transaction updated or deleted, by rowid: what a session, its user or its
/// account(s) may have changed in. Inserted rows are not listed (nothing read
/// before can depend on a row that did not exist). Changes made by triggers
/// are included (SQLite's update hook sees them).
public struct IdentityRowChanges: Sendable, Equatable {
    public var sessionIDs: [Int64] = []
    public var userIDs: [Int64] = []
    public var accountIDs: [Int64] = []

    public init(sessionIDs: [Int64] = [], userIDs: [Int64] = [], accountIDs: [Int64] = []) {
        self.sessionIDs = sessionIDs
        self.userIDs = userIDs
        self.accountIDs = accountIDs
    }

    public var isEmpty: Bool { sessionIDs.isEmpty && userIDs.isEmpty && accountIDs.isEmpty }
}
