/// One versioned schema step. Applied once, in order, inside its own write
/// transaction, and recorded in `schema_migrations`.
struct Migration: Sendable {
    var version: Int
    var name: String
    var sql: String

    /// Every migration, oldest first. Never edit a shipped one: append a new one.
    static let all: [Migration] = [
        Migration(version: 1, name: "initial schema", sql: initialSchema),
        Migration(
            version: 2, name: "audit result OK",
            sql: "UPDATE audit_events SET result = 'OK' WHERE result = 'ok'"),
        Migration(version: 3, name: "LoginToClient sessions are children of the dealer session", sql: """
            ALTER TABLE sessions ADD COLUMN parent_session_id INTEGER REFERENCES sessions(id);
            CREATE INDEX sessions_parent ON sessions(parent_session_id) WHERE parent_session_id IS NOT NULL;
            -- A session that ends (Logout, revocation) ends the sessions opened from it.
            CREATE TRIGGER sessions_children_end_with_parent AFTER UPDATE OF revoked_at ON sessions
            WHEN NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL
            BEGIN
                UPDATE sessions SET revoked_at = NEW.revoked_at WHERE parent_session_id = NEW.id AND revoked_at IS NULL;
            END;
            """),
        Migration(
            version: 4, name: "health probe",
            sql: "CREATE TABLE health_probe (id INTEGER PRIMARY KEY, payload BLOB NOT NULL) STRICT"),
        Migration(version: 5, name: "cash registers, organizations, groups and transfers", sql: registersSchema),
        Migration(version: 6, name: "audit trails as per-account chains", sql: auditTrailChains),
    ]

    /// Each account's audit trail becomes a chain: an event points to the account's
    /// previous event, and `audit_trail_heads` holds each account's newest one. It
    /// replaces the index on (acting_for_account_id, id), whose insert dirtied a
    /// different 4 KiB leaf page for every account written in a transaction (about
    /// one page per write call under load, most of the WAL's volume). A new event now
    /// dirties the table's last page and one small row of the heads table.
    /// `SQLiteConnection.insertAudit` links each event (a trigger doing it cost a
    /// fifth of the write lane's throughput); the triggers below refuse what would
    /// break a chain.
    private static let auditTrailChains = """
        ALTER TABLE audit_events ADD COLUMN previous_for_account_id INTEGER;
        UPDATE audit_events SET previous_for_account_id = (SELECT max(p.id) FROM audit_events p
            WHERE p.acting_for_account_id = audit_events.acting_for_account_id AND p.id < audit_events.id)
        WHERE acting_for_account_id IS NOT NULL;
        CREATE TABLE audit_trail_heads (
            account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
            last_event_id INTEGER NOT NULL
        ) STRICT;
        INSERT INTO audit_trail_heads (account_id, last_event_id)
            SELECT acting_for_account_id, max(id) FROM audit_events
            WHERE acting_for_account_id IS NOT NULL GROUP BY acting_for_account_id;
        DROP INDEX audit_events_acting_for;
        CREATE TRIGGER audit_events_chain_fixed BEFORE UPDATE OF previous_for_account_id, acting_for_account_id ON audit_events
        WHEN NEW.previous_for_account_id IS NOT OLD.previous_for_account_id
            OR NEW.acting_for_account_id IS NOT OLD.acting_for_account_id
        BEGIN SELECT RAISE(ABORT, 'an audit event never leaves its trail'); END;
        CREATE TRIGGER audit_trail_heads_move_forward BEFORE UPDATE OF last_event_id ON audit_trail_heads
        WHEN NEW.last_event_id <= OLD.last_event_id
        BEGIN SELECT RAISE(ABORT, 'an audit trail only grows'); END;
        """

    /// Trigger messages listed in `StoreError.triggerMessages` are turned into domain errors
    /// by `StoreError(_: SQLiteError)`, so the schema's backstops answer like the checks above them.
    private static let initialSchema = """
        CREATE TABLE accounts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(name) > 0),
            created_at INTEGER NOT NULL,
            deleted_at INTEGER,
            is_dealer INTEGER NOT NULL DEFAULT 0 CHECK (is_dealer IN (0, 1)),
            served_by_account_id INTEGER REFERENCES accounts(id),
            served_since INTEGER,
            CHECK ((served_by_account_id IS NULL) = (served_since IS NULL)),
            CHECK (NOT (is_dealer = 1 AND served_by_account_id IS NOT NULL)),
            CHECK (served_by_account_id IS NULL OR served_by_account_id <> id)
        ) STRICT;
        CREATE INDEX accounts_served_by ON accounts(served_by_account_id) WHERE served_by_account_id IS NOT NULL;
        CREATE INDEX accounts_dealers ON accounts(id) WHERE is_dealer = 1 AND deleted_at IS NULL;

        CREATE TABLE service_periods (
            id INTEGER PRIMARY KEY,
            client_account_id INTEGER NOT NULL REFERENCES accounts(id),
            dealer_account_id INTEGER NOT NULL REFERENCES accounts(id),
            started_at INTEGER NOT NULL,
            ended_at INTEGER,
            end_reason TEXT CHECK (end_reason IN ('disconnected', 'client_deleted')),
            CHECK ((ended_at IS NULL) = (end_reason IS NULL)),
            CHECK (ended_at IS NULL OR ended_at >= started_at),
            CHECK (client_account_id <> dealer_account_id)
        ) STRICT;
        CREATE UNIQUE INDEX service_periods_one_open ON service_periods(client_account_id) WHERE ended_at IS NULL;
        CREATE INDEX service_periods_dealer ON service_periods(dealer_account_id);

        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            login TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(login) > 0),
            password_hash TEXT NOT NULL CHECK (length(password_hash) > 0),
            is_admin INTEGER NOT NULL CHECK (is_admin IN (0, 1)),
            is_dealer INTEGER NOT NULL CHECK (is_dealer IN (0, 1)),
            created_at INTEGER NOT NULL,
            disabled_at INTEGER
        ) STRICT;
        CREATE INDEX users_account ON users(account_id, id);

        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
            user_id INTEGER NOT NULL REFERENCES users(id),
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            is_admin INTEGER NOT NULL CHECK (is_admin IN (0, 1)),
            is_dealer INTEGER NOT NULL CHECK (is_dealer IN (0, 1)),
            created_at INTEGER NOT NULL,
            last_seen_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            revoked_at INTEGER,
            impersonator_user_id INTEGER REFERENCES users(id),
            impersonator_account_id INTEGER REFERENCES accounts(id),
            CHECK ((impersonator_user_id IS NULL) = (impersonator_account_id IS NULL)),
            CHECK (impersonator_user_id IS NULL OR (impersonator_user_id = user_id AND is_dealer = 0))
        ) STRICT;
        CREATE INDEX sessions_user ON sessions(user_id) WHERE revoked_at IS NULL;
        CREATE INDEX sessions_account ON sessions(account_id) WHERE revoked_at IS NULL;

        CREATE TABLE service_requests (
            id INTEGER PRIMARY KEY,
            client_account_id INTEGER NOT NULL REFERENCES accounts(id),
            dealer_account_id INTEGER NOT NULL REFERENCES accounts(id),
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'accepted', 'rejected', 'cancelled', 'expired', 'closed')),
            message TEXT NOT NULL DEFAULT '',
            reject_reason TEXT,
            blocked INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            CHECK (client_account_id <> dealer_account_id)
        ) STRICT;
        CREATE UNIQUE INDEX service_requests_one_pending
            ON service_requests(client_account_id, dealer_account_id) WHERE status = 'pending';
        CREATE INDEX service_requests_dealer ON service_requests(dealer_account_id, id);
        CREATE INDEX service_requests_client ON service_requests(client_account_id, id);
        CREATE INDEX service_requests_pending_expiry ON service_requests(expires_at) WHERE status = 'pending';
        CREATE INDEX service_requests_blocked
            ON service_requests(client_account_id, dealer_account_id) WHERE blocked = 1;

        CREATE TABLE audit_events (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            actor_user_id INTEGER REFERENCES users(id),
            actor_account_id INTEGER REFERENCES accounts(id),
            acting_for_account_id INTEGER REFERENCES accounts(id),
            impersonator_user_id INTEGER REFERENCES users(id),
            impersonator_account_id INTEGER REFERENCES accounts(id),
            method TEXT NOT NULL CHECK (length(method) > 0),
            object TEXT NOT NULL,
            result TEXT NOT NULL
        ) STRICT;
        CREATE INDEX audit_events_acting_for ON audit_events(acting_for_account_id, id);

        -- accounts.is_dealer is derived: it equals "an active user of the account holds dealer".
        CREATE TRIGGER accounts_dealer_flag_insert BEFORE INSERT ON accounts WHEN NEW.is_dealer <> 0
        BEGIN SELECT RAISE(ABORT, 'is_dealer is derived from users.is_dealer'); END;
        CREATE TRIGGER accounts_dealer_flag_derived BEFORE UPDATE OF is_dealer ON accounts
        WHEN NEW.is_dealer <> EXISTS (SELECT 1 FROM users u
            WHERE u.account_id = NEW.id AND u.is_dealer = 1 AND u.disabled_at IS NULL)
        BEGIN SELECT RAISE(ABORT, 'is_dealer is derived from users.is_dealer'); END;
        CREATE TRIGGER accounts_dealer_serves_clients BEFORE UPDATE OF is_dealer ON accounts
        WHEN OLD.is_dealer = 1 AND NEW.is_dealer = 0
            AND EXISTS (SELECT 1 FROM accounts c WHERE c.served_by_account_id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'DEALER_SERVES_CLIENTS'); END;
        CREATE TRIGGER accounts_served_cannot_be_dealer BEFORE UPDATE OF is_dealer ON accounts
        WHEN NEW.is_dealer = 1 AND NEW.served_by_account_id IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'ACCOUNT_SERVED_BY_DEALER'); END;

        -- Who serves an account: only a live dealer, and one at a time.
        CREATE TRIGGER accounts_served_by_dealer_insert BEFORE INSERT ON accounts
        WHEN NEW.served_by_account_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM accounts d
            WHERE d.id = NEW.served_by_account_id AND d.is_dealer = 1 AND d.deleted_at IS NULL)
        BEGIN SELECT RAISE(ABORT, 'DEALER_NOT_FOUND'); END;
        CREATE TRIGGER accounts_served_by_dealer_update BEFORE UPDATE OF served_by_account_id ON accounts
        WHEN NEW.served_by_account_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM accounts d
            WHERE d.id = NEW.served_by_account_id AND d.is_dealer = 1 AND d.deleted_at IS NULL)
        BEGIN SELECT RAISE(ABORT, 'DEALER_NOT_FOUND'); END;
        CREATE TRIGGER accounts_served_once BEFORE UPDATE OF served_by_account_id ON accounts
        WHEN OLD.served_by_account_id IS NOT NULL AND NEW.served_by_account_id IS NOT NULL
            AND NEW.served_by_account_id <> OLD.served_by_account_id
        BEGIN SELECT RAISE(ABORT, 'ACCOUNT_SERVED_BY_DEALER'); END;
        CREATE TRIGGER accounts_unserved_period_closed BEFORE UPDATE OF served_by_account_id ON accounts
        WHEN OLD.served_by_account_id IS NOT NULL AND NEW.served_by_account_id IS NULL
            AND EXISTS (SELECT 1 FROM service_periods p WHERE p.client_account_id = OLD.id AND p.ended_at IS NULL)
        BEGIN SELECT RAISE(ABORT, 'close the service period before clearing served_by'); END;
        CREATE TRIGGER service_periods_open_matches BEFORE INSERT ON service_periods
        WHEN NEW.ended_at IS NULL AND NOT EXISTS (SELECT 1 FROM accounts a
            WHERE a.id = NEW.client_account_id AND a.served_by_account_id = NEW.dealer_account_id)
        BEGIN SELECT RAISE(ABORT, 'an open service period must match accounts.served_by_account_id'); END;

        -- Keep accounts.is_dealer equal to the users' rights.
        CREATE TRIGGER users_dealer_flag_insert AFTER INSERT ON users
        BEGIN
            UPDATE accounts SET is_dealer = EXISTS (SELECT 1 FROM users u
                WHERE u.account_id = NEW.account_id AND u.is_dealer = 1 AND u.disabled_at IS NULL)
            WHERE id = NEW.account_id;
        END;
        CREATE TRIGGER users_dealer_flag_update AFTER UPDATE OF is_dealer, disabled_at ON users
        BEGIN
            UPDATE accounts SET is_dealer = EXISTS (SELECT 1 FROM users u
                WHERE u.account_id = NEW.account_id AND u.is_dealer = 1 AND u.disabled_at IS NULL)
            WHERE id = NEW.account_id;
        END;
        CREATE TRIGGER users_account_fixed BEFORE UPDATE OF account_id ON users
        WHEN NEW.account_id <> OLD.account_id
        BEGIN SELECT RAISE(ABORT, 'a user never changes account'); END;
        CREATE TRIGGER users_last_admin BEFORE UPDATE OF is_admin, disabled_at ON users
        WHEN OLD.is_admin = 1 AND OLD.disabled_at IS NULL
            AND (NEW.is_admin = 0 OR NEW.disabled_at IS NOT NULL)
            AND NOT EXISTS (SELECT 1 FROM users o WHERE o.account_id = OLD.account_id
                AND o.id <> OLD.id AND o.is_admin = 1 AND o.disabled_at IS NULL)
        BEGIN SELECT RAISE(ABORT, 'LAST_ADMIN'); END;

        -- Requests are born pending, addressed to a dealer, and leave 'pending' once.
        CREATE TRIGGER service_requests_born_pending BEFORE INSERT ON service_requests
        WHEN NEW.status <> 'pending'
        BEGIN SELECT RAISE(ABORT, 'REQUEST_NOT_PENDING'); END;
        CREATE TRIGGER service_requests_to_dealer BEFORE INSERT ON service_requests
        WHEN NOT EXISTS (SELECT 1 FROM accounts d
            WHERE d.id = NEW.dealer_account_id AND d.is_dealer = 1 AND d.deleted_at IS NULL)
        BEGIN SELECT RAISE(ABORT, 'DEALER_NOT_FOUND'); END;
        CREATE TRIGGER service_requests_status_once BEFORE UPDATE OF status ON service_requests
        WHEN NEW.status <> OLD.status AND OLD.status <> 'pending'
        BEGIN SELECT RAISE(ABORT, 'REQUEST_NOT_PENDING'); END;
        CREATE TRIGGER service_requests_parties_fixed BEFORE UPDATE OF client_account_id, dealer_account_id ON service_requests
        WHEN NEW.client_account_id <> OLD.client_account_id OR NEW.dealer_account_id <> OLD.dealer_account_id
        BEGIN SELECT RAISE(ABORT, 'a request never changes parties'); END;
        """
}
