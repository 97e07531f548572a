import ArgumentParser
import DealerProtocol

/// `dealerctl migrate groups`: ConvertGroupToClient for the groups of the
/// dealer's own account, with a preview, generated admin passwords kept in a
/// 0600 file, and operation ids derived from the groups so that a re-run
/// repeats instead of converting twice.
struct MigrateGroups: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups",
        abstract: "Converts groups of this dealer's own account into client accounts it serves.",
        discussion: """
            Lists the groups with their registers and conflicts (organizations that also own registers \
            outside the group), previews each conversion (a dry run of ConvertGroupToClient), then, unless \
            --dry-run, converts every group (or those given with --group/--group-name). Each new account is \
            named like its group; its administrator's login is --login-prefix followed by the group id, and its \
            password is generated and written to --passwords-file (mode 0600, never printed). Re-running is \
            safe: the operation id of a group is derived from the dealer account and the group, the password \
            is taken from the file, and groups converted already are reported, not converted again. \
            Exits 1 when a selected group could not be converted.
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .customLong("group"), help: "A group to convert, by id (repeatable; default: every group).")
    var groupIDs: [Int64] = []

    @Option(name: .customLong("group-name"), help: "A group to convert, by its exact name (repeatable).")
    var groupNames: [String] = []

    @Flag(help: "Only list the groups and preview their conversion; change nothing.")
    var dryRun = false

    @Flag(help: "Copy an organization that also owns registers outside the group into the new account instead of refusing.")
    var copySharedOrganizations = false

    @Option(help: "File (mode 0600) the new administrators' logins and passwords are kept in; required unless --dry-run.")
    var passwordsFile: String?

    @Option(help: "The new administrator's login is this prefix followed by the group id.")
    var loginPrefix = "client-"

    mutating func validate() throws {
        try connection.refuseJSON(for: "migrate groups")
        if !dryRun && passwordsFile == nil { throw ValidationError("give --passwords-file (or --dry-run)") }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")
        guard loginPrefix.count <= 40, loginPrefix.allSatisfy(allowed.contains) else {
            throw ValidationError("--login-prefix: at most 40 ASCII letters, digits, '.', '_', '-', '@'")
        }
    }

    /// A group to report on: one still in the account, or one converted already by this tool.
    enum Target {
        case live(Registers_V1_Group)
        case converted(groupID: Int64, name: String, Dealer_V1_Transfer)

        var groupID: Int64 {
            switch self {
            case .live(let group): group.id
            case .converted(let groupID, _, _): groupID
            }
        }
    }

    func run() async throws {
        try await reportingFailures {
            try await connection.run { session in try await migrate(session) }
        }
    }

    private func migrate(_ session: Session) async throws {
        let me = try await session.call(Auth_V1_AuthService.whoAmI, .init()).session ?? .init()
        var passwords = try passwordsFile.map(PasswordsFile.load) ?? PasswordsFile(path: "", entries: [])
        let targets = try await selectTargets(session, dealerAccountID: me.accountID, passwords: passwords)
        if targets.isEmpty {
            print("no groups to convert")
            return
        }

        // Preview: a dry run of every conversion still to do.
        var previews: [Int64: Result<Dealer_V1_ConvertGroupToClientResponse, RPCError>] = [:]
        for case .live(let group) in targets {
            let password = passwords.entry(groupID: group.id)?.password ?? OneTimePassword.generate()
            previews[group.id] = try await convert(session, group, dealerAccountID: me.accountID, password: password, dryRun: true)
        }
        print("groups of \(me.accountName) (account \(me.accountID)):")
        printTabSeparated(
            ["group_id", "name", "registers", "organizations", "conflicts", "preview"],
            targets.map { target in previewRow(target, previews[target.groupID]) })
        if dryRun {
            print("dry run: nothing changed")
            return
        }

        // The conversions, each password recorded before its call.
        var outcomes: [[String]] = []
        var failed = 0
        for target in targets {
            switch target {
            case .converted(let groupID, let name, let transfer):
                if var entry = passwords.entry(groupID: groupID), entry.accountID == 0 {
                    entry.accountID = transfer.targetAccountID
                    try passwords.record(entry)
                }
                outcomes.append(
                    [String(groupID), name, String(transfer.targetAccountID), passwords.entry(groupID: groupID)?.login ?? "-",
                     String(transfer.registerCount), String(transfer.organizationsMoved), String(transfer.organizationsCopied),
                     String(transfer.id), "already converted"])
            case .live(let group):
                if case .success(let preview) = previews[group.id], !preview.sharedOrganizations.isEmpty, !copySharedOrganizations {
                    failed += 1
                    outcomes.append(skippedRow(group, "not converted: shared organizations (see conflicts; --copy-shared-organizations)"))
                    continue
                }
                var entry = passwords.entry(groupID: group.id)
                    ?? .init(groupID: group.id, groupName: group.name, accountID: 0, login: loginPrefix + String(group.id),
                        password: OneTimePassword.generate())
                try passwords.record(entry)
                switch try await convert(session, group, dealerAccountID: me.accountID, password: entry.password, dryRun: false, login: entry.login) {
                case .success(let response):
                    entry.accountID = response.account?.id ?? 0
                    try passwords.record(entry)
                    let copied = response.organizations.filter { $0.kind == .copied }.count
                    outcomes.append(
                        [String(group.id), group.name, String(entry.accountID), entry.login, String(response.registers.count),
                         String(response.organizations.count - copied), String(copied), String(response.transferID),
                         response.replayed ? "already converted (replayed)" : "converted"])
                case .failure(let error):
                    failed += 1
                    outcomes.append(skippedRow(group, "failed: \(error)"))
                }
            }
        }
        print("")
        print("report:")
        printTabSeparated(
            ["group_id", "name", "account_id", "admin_login", "registers", "orgs_moved", "orgs_copied", "transfer", "result"],
            outcomes)
        print("passwords of the new administrators: \(passwords.path) (mode 0600)")
        if failed > 0 {
            printError("dealerctl: \(failed) of \(targets.count) groups not converted")
            throw ExitCode.failure
        }
    }

    /// The live groups asked for (every one by default) and those converted
    /// already: by this tool, recognised by their derived operation id.
    private func selectTargets(_ session: Session, dealerAccountID: Int64, passwords: PasswordsFile) async throws -> [Target] {
        let live = try await collectPages { token in
            let page = try await session.call(Registers_V1_RegisterService.listGroups, .init(pageSize: 500, pageToken: token))
            return (page.groups, page.nextPageToken)
        }
        let transfers = try await collectPages { token in
            let page = try await session.call(Dealer_V1_DealerService.listTransfers, .init(pageSize: 20, pageToken: token))
            return (page.transfers, page.nextPageToken)
        }
        let converted: [Target] = transfers.filter {
            $0.kind == .convertGroup
                && $0.operationID == OperationID.convertGroup(dealerAccountID: dealerAccountID, groupID: $0.sourceGroupID)
        }.map {
            .converted(groupID: $0.sourceGroupID, name: passwords.entry(groupID: $0.sourceGroupID)?.groupName ?? "-", $0)
        }
        let all = (live.map(Target.live) + converted).sorted { $0.groupID < $1.groupID }
        if groupIDs.isEmpty && groupNames.isEmpty { return all }

        var selected: [Target] = []
        for id in groupIDs {
            guard let target = all.first(where: { $0.groupID == id }) else {
                throw CommandFailure("no group \(id) in this account, and none converted with that id")
            }
            selected.append(target)
        }
        for name in groupNames {
            let matches = live.filter { $0.name == name }.map(Target.live)
                + passwords.entries.filter { $0.groupName == name }.compactMap { entry in
                    converted.first { $0.groupID == entry.groupID }
                }
            guard !matches.isEmpty else { throw CommandFailure("no group named \"\(name)\" in this account, and none converted") }
            selected += matches
        }
        var seen = Set<Int64>()
        return selected.filter { seen.insert($0.groupID).inserted }
    }

    private func convert(
        _ session: Session, _ group: Registers_V1_Group, dealerAccountID: Int64, password: String, dryRun: Bool, login: String? = nil
    ) async throws -> Result<Dealer_V1_ConvertGroupToClientResponse, RPCError> {
        let request = Dealer_V1_ConvertGroupToClientRequest(
            groupID: group.id, accountName: group.name, adminLogin: login ?? loginPrefix + String(group.id),
            adminPassword: password,
            operationID: OperationID.convertGroup(dealerAccountID: dealerAccountID, groupID: group.id),
            dryRun: dryRun, copySharedOrganizations: copySharedOrganizations)
        do {
            return .success(try await session.call(Dealer_V1_DealerService.convertGroupToClient, request))
        } catch let error as RPCError {
            return .failure(error)
        }
    }

    private func previewRow(_ target: Target, _ preview: Result<Dealer_V1_ConvertGroupToClientResponse, RPCError>?) -> [String] {
        switch target {
        case .converted(let groupID, let name, let transfer):
            return [String(groupID), name, String(transfer.registerCount), "-", "-",
                    "converted already: account \(transfer.targetAccountID) (transfer \(transfer.id))"]
        case .live(let group):
            switch preview {
            case .success(let response):
                let copied = response.organizations.filter { $0.kind == .copied }.count
                let conflicts = response.sharedOrganizations.map {
                    "\($0.name) (INN \($0.inn)): \($0.registersInGroup) in group, \($0.registersOutsideGroup) outside"
                }
                let verdict =
                    conflicts.isEmpty || copySharedOrganizations
                    ? "would convert \(response.registers.count) registers" + (copied > 0 ? ", copying \(copied) organizations" : "")
                    : "blocked: shared organizations (--copy-shared-organizations copies them)"
                return [String(group.id), group.name, String(group.registerCount),
                        "\(response.organizations.count)" + (copied == 0 ? "" : copySharedOrganizations ? " (\(copied) copied)" : " (\(copied) shared)"),
                        conflicts.isEmpty ? "-" : conflicts.joined(separator: "; "), verdict]
            case .failure(let error):
                return [String(group.id), group.name, String(group.registerCount), "-", "-", "fails: \(error)"]
            case nil:
                return [String(group.id), group.name, String(group.registerCount), "-", "-", "-"]
            }
        }
    }

    private func skippedRow(_ group: Registers_V1_Group, _ result: String) -> [String] {
        [String(group.id), group.name, "-", "-", String(group.registerCount), "-", "-", "-", result]
    }
}
