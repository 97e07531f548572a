internal import CSQLite
import Foundation

/// Collects, through `sqlite3_update_hook`, the rowids of the `sessions`,
/// `users` and `accounts` rows a connection updates or deletes (triggers
/// included), until `take()`. Owned by its `SQLiteConnection`, and like it
/// used only under the connection's lock.
final class SQLiteChangeRecorder {
    private var changes = IdentityRowChanges()

    /// Hands over what was recorded since the last call and starts afresh.
    func take() -> IdentityRowChanges {
        defer { changes = IdentityRowChanges() }
        return changes
    }

    fileprivate func record(operation: Int32, table: UnsafePointer<CChar>, rowID: Int64) {
        guard operation != SQLITE_INSERT else { return }
        if strcmp(table, "sessions") == 0 {
            changes.sessionIDs.append(rowID)
        } else if strcmp(table, "users") == 0 {
            changes.userIDs.append(rowID)
        } else if strcmp(table, "accounts") == 0 {
            changes.accountIDs.append(rowID)
        }
    }

    /// Installs the hook on `handle`; the recorder must outlive the handle's use.
    func install(on handle: OpaquePointer) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_update_hook(handle, { context, operation, _, table, rowID in
            guard let context, let table else { return }
            Unmanaged<SQLiteChangeRecorder>.fromOpaque(context).takeUnretainedValue()
                .record(operation: operation, table: table, rowID: rowID)
        }, context)
    }
}
