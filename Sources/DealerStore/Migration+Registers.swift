extension Migration {
    /// Version 4: organizations, groups, cash registers, their history and the
    /// recorded transfer operations. Trigger messages that are reasons become
    /// `RegisterStoreError`s (`RegisterStoreError(constraint:)`).
    static let registersSchema = """
        CREATE TABLE organizations (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            name TEXT NOT NULL CHECK (length(name) > 0),
            inn TEXT NOT NULL CHECK (length(inn) IN (10, 12) AND inn NOT GLOB '*[^0-9]*'),
            kpp TEXT CHECK (kpp IS NULL OR (length(kpp) = 9 AND kpp NOT GLOB '*[^0-9]*')),
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            deleted_at INTEGER,
            CHECK (kpp IS NULL OR length(inn) = 10)
        ) STRICT;
        CREATE UNIQUE INDEX organizations_live_inn ON organizations(account_id, inn) WHERE deleted_at IS NULL;

        CREATE TABLE register_groups (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            name TEXT NOT NULL CHECK (length(name) > 0),
            created_at INTEGER NOT NULL,
            deleted_at INTEGER
        ) STRICT;
        CREATE UNIQUE INDEX register_groups_live_name ON register_groups(account_id, name) WHERE deleted_at IS NULL;

        CREATE TABLE registers (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            organization_id INTEGER NOT NULL REFERENCES organizations(id),
            group_id INTEGER REFERENCES register_groups(id),
            model TEXT NOT NULL CHECK (length(model) > 0),
            serial_number TEXT NOT NULL CHECK (length(serial_number) > 0),
            registration_number TEXT NOT NULL UNIQUE
                CHECK (length(registration_number) = 16 AND registration_number NOT GLOB '*[^0-9]*'),
            fiscal_drive_number TEXT NOT NULL
                CHECK (length(fiscal_drive_number) = 16 AND fiscal_drive_number NOT GLOB '*[^0-9]*'),
            name TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            removed_at INTEGER,
            UNIQUE (model, serial_number),
            CHECK (removed_at IS NULL OR group_id IS NULL)
        ) STRICT;
        CREATE INDEX registers_account ON registers(account_id, id);
        CREATE INDEX registers_group ON registers(group_id) WHERE group_id IS NOT NULL;
        CREATE INDEX registers_organization ON registers(organization_id);

        CREATE TABLE register_transfers (
            id INTEGER PRIMARY KEY,
            dealer_account_id INTEGER NOT NULL REFERENCES accounts(id),
            operation_id TEXT NOT NULL CHECK (length(operation_id) = 36),
            kind TEXT NOT NULL CHECK (kind IN ('transfer_registers', 'convert_group')),
            fingerprint BLOB NOT NULL CHECK (length(fingerprint) = 32),
            password_hash TEXT,
            response BLOB,
            at INTEGER NOT NULL,
            user_id INTEGER NOT NULL REFERENCES users(id),
            target_account_id INTEGER NOT NULL REFERENCES accounts(id),
            target_group_id INTEGER REFERENCES register_groups(id),
            source_group_id INTEGER REFERENCES register_groups(id),
            organizations_moved INTEGER NOT NULL DEFAULT 0,
            organizations_copied INTEGER NOT NULL DEFAULT 0,
            UNIQUE (dealer_account_id, operation_id),
            CHECK ((kind = 'convert_group') = (source_group_id IS NOT NULL)),
            CHECK ((kind = 'convert_group') = (password_hash IS NOT NULL))
        ) STRICT;
        CREATE INDEX register_transfers_dealer ON register_transfers(dealer_account_id, id);

        CREATE TABLE register_history (
            id INTEGER PRIMARY KEY,
            register_id INTEGER NOT NULL REFERENCES registers(id),
            at INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('added', 'group_changed', 'organization_changed', 'transferred', 'removed')),
            from_account_id INTEGER REFERENCES accounts(id),
            to_account_id INTEGER NOT NULL REFERENCES accounts(id),
            from_group_id INTEGER REFERENCES register_groups(id),
            to_group_id INTEGER REFERENCES register_groups(id),
            from_organization_id INTEGER REFERENCES organizations(id),
            to_organization_id INTEGER NOT NULL REFERENCES organizations(id),
            user_id INTEGER REFERENCES users(id),
            impersonator_user_id INTEGER REFERENCES users(id),
            impersonator_account_id INTEGER REFERENCES accounts(id),
            transfer_id INTEGER REFERENCES register_transfers(id),
            CHECK ((kind = 'added') = (from_account_id IS NULL)),
            CHECK ((kind = 'added') = (from_organization_id IS NULL)),
            CHECK ((kind = 'transferred') = (transfer_id IS NOT NULL)),
            CHECK (kind = 'added' OR (kind = 'transferred') = (from_account_id <> to_account_id)),
            CHECK ((impersonator_user_id IS NULL) = (impersonator_account_id IS NULL))
        ) STRICT;
        CREATE INDEX register_history_register ON register_history(register_id, id);
        CREATE INDEX register_history_transfer ON register_history(transfer_id, register_id) WHERE transfer_id IS NOT NULL;

        -- A register's organization and group are live and belong to its account.
        CREATE TRIGGER registers_organization_insert BEFORE INSERT ON registers
        WHEN NOT EXISTS (SELECT 1 FROM organizations o
            WHERE o.id = NEW.organization_id AND o.account_id = NEW.account_id AND o.deleted_at IS NULL)
        BEGIN SELECT RAISE(ABORT, 'ORGANIZATION_NOT_FOUND'); END;
        CREATE TRIGGER registers_organization_update BEFORE UPDATE OF account_id, organization_id ON registers
        WHEN NOT EXISTS (SELECT 1 FROM organizations o
            WHERE o.id = NEW.organization_id AND o.account_id = NEW.account_id AND o.deleted_at IS NULL)
        BEGIN SELECT RAISE(ABORT, 'ORGANIZATION_NOT_FOUND'); END;
        CREATE TRIGGER registers_group_insert BEFORE INSERT ON registers
        WHEN NEW.group_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM register_groups g
            WHERE g.id = NEW.group_id AND g.account_id = NEW.account_id AND g.deleted_at IS NULL)
        BEGIN SELECT RAISE(ABORT, 'GROUP_NOT_FOUND'); END;
        CREATE TRIGGER registers_group_update BEFORE UPDATE OF account_id, group_id ON registers
        WHEN NEW.group_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM register_groups g
            WHERE g.id = NEW.group_id AND g.account_id = NEW.account_id AND g.deleted_at IS NULL)
        BEGIN SELECT RAISE(ABORT, 'GROUP_NOT_FOUND'); END;

        -- Registers are added active into a live account, never change identity, and a
        -- removed one never changes again; they are never deleted.
        CREATE TRIGGER registers_born_active BEFORE INSERT ON registers
        WHEN NEW.removed_at IS NOT NULL OR EXISTS (SELECT 1 FROM accounts a WHERE a.id = NEW.account_id AND a.deleted_at IS NOT NULL)
        BEGIN SELECT RAISE(ABORT, 'a register is added active, into a live account'); END;
        CREATE TRIGGER registers_into_live_account BEFORE UPDATE OF account_id ON registers
        WHEN EXISTS (SELECT 1 FROM accounts a WHERE a.id = NEW.account_id AND a.deleted_at IS NOT NULL)
        BEGIN SELECT RAISE(ABORT, 'a register moves only into a live account'); END;
        CREATE TRIGGER registers_identity_fixed BEFORE UPDATE OF model, serial_number, registration_number ON registers
        WHEN NEW.model IS NOT OLD.model OR NEW.serial_number IS NOT OLD.serial_number
            OR NEW.registration_number IS NOT OLD.registration_number
        BEGIN SELECT RAISE(ABORT, 'a register never changes its model or numbers'); END;
        CREATE TRIGGER registers_removed_frozen BEFORE UPDATE ON registers WHEN OLD.removed_at IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'REGISTER_REMOVED'); END;
        CREATE TRIGGER registers_never_deleted BEFORE DELETE ON registers
        BEGIN SELECT RAISE(ABORT, 'registers are removed, never deleted'); END;

        -- Organizations and groups: deleted (soft) only when nothing points at them, then frozen.
        CREATE TRIGGER organizations_delete_unused BEFORE UPDATE OF deleted_at ON organizations
        WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL
            AND EXISTS (SELECT 1 FROM registers r WHERE r.organization_id = OLD.id)
        BEGIN SELECT RAISE(ABORT, 'ORGANIZATION_HAS_REGISTERS'); END;
        CREATE TRIGGER organizations_deleted_frozen BEFORE UPDATE ON organizations WHEN OLD.deleted_at IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'ORGANIZATION_NOT_FOUND'); END;
        CREATE TRIGGER organizations_inn_fixed BEFORE UPDATE OF inn ON organizations WHEN NEW.inn <> OLD.inn
        BEGIN SELECT RAISE(ABORT, 'an organization never changes its INN'); END;
        CREATE TRIGGER organizations_never_deleted BEFORE DELETE ON organizations
        BEGIN SELECT RAISE(ABORT, 'organizations are deleted by setting deleted_at'); END;
        CREATE TRIGGER register_groups_delete_empty BEFORE UPDATE OF deleted_at ON register_groups
        WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL
            AND EXISTS (SELECT 1 FROM registers r WHERE r.group_id = OLD.id)
        BEGIN SELECT RAISE(ABORT, 'GROUP_NOT_EMPTY'); END;
        CREATE TRIGGER register_groups_deleted_frozen BEFORE UPDATE ON register_groups WHEN OLD.deleted_at IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'GROUP_NOT_FOUND'); END;
        CREATE TRIGGER register_groups_account_fixed BEFORE UPDATE OF account_id ON register_groups
        WHEN NEW.account_id <> OLD.account_id
        BEGIN SELECT RAISE(ABORT, 'a group never changes account'); END;
        CREATE TRIGGER register_groups_never_deleted BEFORE DELETE ON register_groups
        BEGIN SELECT RAISE(ABORT, 'groups are deleted by setting deleted_at'); END;

        -- An account holding active registers is not deleted.
        CREATE TRIGGER accounts_delete_without_registers BEFORE UPDATE OF deleted_at ON accounts
        WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL
            AND EXISTS (SELECT 1 FROM registers r WHERE r.account_id = OLD.id AND r.removed_at IS NULL)
        BEGIN SELECT RAISE(ABORT, 'ACCOUNT_HAS_REGISTERS'); END;

        -- History is append-only, and a chain: each entry starts where the register's
        -- previous entry ended and ends where the register now is.
        CREATE TRIGGER register_history_chain BEFORE INSERT ON register_history
        WHEN NEW.from_account_id IS NOT (SELECT h.to_account_id FROM register_history h
            WHERE h.register_id = NEW.register_id ORDER BY h.id DESC LIMIT 1)
        BEGIN SELECT RAISE(ABORT, 'a history entry starts where the previous one ended'); END;
        CREATE TRIGGER register_history_matches_register BEFORE INSERT ON register_history
        WHEN NOT EXISTS (SELECT 1 FROM registers r WHERE r.id = NEW.register_id AND r.account_id = NEW.to_account_id
            AND r.organization_id = NEW.to_organization_id AND r.group_id IS NEW.to_group_id)
        BEGIN SELECT RAISE(ABORT, 'a history entry ends where the register is'); END;
        CREATE TRIGGER register_history_no_update BEFORE UPDATE ON register_history
        BEGIN SELECT RAISE(ABORT, 'register history is append-only'); END;
        CREATE TRIGGER register_history_no_delete BEFORE DELETE ON register_history
        BEGIN SELECT RAISE(ABORT, 'register history is append-only'); END;

        -- A recorded operation only ever gets its response, once.
        CREATE TRIGGER register_transfers_response_once BEFORE UPDATE ON register_transfers
        WHEN OLD.response IS NOT NULL OR NEW.response IS NULL OR NEW.id IS NOT OLD.id
            OR NEW.dealer_account_id IS NOT OLD.dealer_account_id OR NEW.operation_id IS NOT OLD.operation_id
            OR NEW.fingerprint IS NOT OLD.fingerprint OR NEW.password_hash IS NOT OLD.password_hash
            OR NEW.target_account_id IS NOT OLD.target_account_id OR NEW.kind IS NOT OLD.kind
        BEGIN SELECT RAISE(ABORT, 'a recorded operation only gets its response, once'); END;
        CREATE TRIGGER register_transfers_no_delete BEFORE DELETE ON register_transfers
        BEGIN SELECT RAISE(ABORT, 'recorded operations are never deleted'); END;
        """

    /// Queries returning the ids of rows that break a register invariant, by description.
    static let registerInvariants: [(String, String)] = [
        ("register whose account, group or organization differs from its last history entry", """
            SELECT r.id FROM registers r WHERE NOT EXISTS (SELECT 1 FROM register_history h
                WHERE h.id = (SELECT max(id) FROM register_history WHERE register_id = r.id)
                AND h.to_account_id = r.account_id AND h.to_organization_id = r.organization_id
                AND h.to_group_id IS r.group_id)
            """),
        ("register owned by an organization of another account or a deleted one", """
            SELECT r.id FROM registers r JOIN organizations o ON o.id = r.organization_id
            WHERE o.account_id <> r.account_id OR o.deleted_at IS NOT NULL
            """),
        ("register in a group of another account or a deleted one", """
            SELECT r.id FROM registers r JOIN register_groups g ON g.id = r.group_id
            WHERE g.account_id <> r.account_id OR g.deleted_at IS NOT NULL
            """),
        ("history entry not starting where the previous one ended", """
            SELECT h.id FROM register_history h WHERE h.from_account_id IS NOT (SELECT p.to_account_id
                FROM register_history p WHERE p.register_id = h.register_id AND p.id < h.id ORDER BY p.id DESC LIMIT 1)
            """),
        ("active register in a deleted account", """
            SELECT r.id FROM registers r JOIN accounts a ON a.id = r.account_id
            WHERE r.removed_at IS NULL AND a.deleted_at IS NOT NULL
            """),
        ("recorded operation without its response", "SELECT id FROM register_transfers WHERE response IS NULL"),
    ]
}
