import DealerClient
import DealerProtocol
import DealerServices
import DealerTestSupport
import Testing

/// Every Dealer, Client and Register method, and Auth's user administration and ChangePassword,
/// × every kind of caller × {home object, foreign object}.
///
/// The home tenants are client C and its dealer D (C is served by D); "home" objects are
/// theirs, "foreign" objects belong to another pair of tenants (dealer D2 and its client C2,
/// and the unrelated account T, whose admin is the "other tenant" caller). For the Auth rows
/// the home object is C's plain user (the clerk) and the foreign one C2's admin. Methods without an
/// object id have no foreign column (nil).
@Suite("Authorisation matrix")
struct AuthorizationMatrixTests {
    typealias Dealer = Dealer_V1_DealerService
    typealias Client = Client_V1_ClientService
    typealias Registers = Registers_V1_RegisterService
    typealias Auth = Auth_V1_AuthService
    /// The Auth methods in the table.
    static let authMethods = [
        Auth.listUsers.path, Auth.createUser.path, Auth.setUserRights.path, Auth.deleteUser.path, Auth.changePassword.path,
    ]

    enum Caller: Int, CaseIterable, CustomStringConvertible {
        case noToken, expiredToken, clientUser, clientAdmin, dealer, viaLoginToClient, otherTenant

        var description: String {
            ["no token", "expired token", "plain client user", "client admin", "dealer", "dealer via LoginToClient",
             "user of another tenant"][rawValue]
        }
    }

    /// The accounts, sessions and objects each cell runs against.
    struct Fixture: Sendable {
        var tokens: [String]  // indexed by Caller
        var homeDealer: Int64  // D
        var homeClient: Int64  // C, served by D
        var homeClientRequest: Int64  // C's accepted request to D
        var homeRequest: Int64  // a walk-in client's pending request to D
        var foreignClient: Int64  // C2, served by D2 (not a dealer)
        var foreignRequest: Int64  // T's pending request to D2
        var homeEmptyClient: Int64  // served by D, holding no registers (DeleteClient)
        var homeRegister: Int64  // C's register, in no group
        var homeOrganization: Int64  // C's organization owning no register
        var homeGroup: Int64  // C's empty group
        var homeDealerGroup: Int64  // D's group with one register (ConvertGroupToClient)
        var foreignRegister: Int64  // C2's register
        var foreignOrganization: Int64  // C2's organization owning no register
        var foreignGroup: Int64  // C2's empty group
        var foreignDealerGroup: Int64  // D2's group
        var homeUser: Int64  // C's plain user (the clerk)
        var foreignUser: Int64  // C2's admin

        static func build(_ net: DealerConnection, prefix p: String) async throws -> Fixture {
            let dealer = try await Workflow.dealer(net, name: "\(p) Dealer", login: "\(p)-dealer")
            let client = try await Workflow.client(net, name: "\(p) Client", login: "\(p)-client")
            let clerkUser = try await net.call(
                Auth.createUser, .init(login: "\(p)-clerk", password: Workflow.password, rights: []), token: client.token)
            let clerk = try await net.login("\(p)-clerk", Workflow.password)
            let clientRequest = try await Workflow.submit(net, client, to: dealer)
            try await Workflow.accept(net, dealer, clientRequest.id)
            let impersonation = try await Workflow.impersonate(net, dealer, client)
            let walkIn = try await Workflow.client(net, name: "\(p) Walk-in", login: "\(p)-walkin")
            let homeRequest = try await Workflow.submit(net, walkIn, to: dealer)

            let otherDealer = try await Workflow.dealer(net, name: "\(p) Dealer 2", login: "\(p)-dealer2")
            let other = try await Workflow.client(net, name: "\(p) Other", login: "\(p)-other")
            let foreignRequest = try await Workflow.submit(net, other, to: otherDealer)
            let foreignClient = try await Workflow.client(net, name: "\(p) Client 2", login: "\(p)-client2")
            try await Workflow.serve(net, foreignClient, by: otherDealer)
            let emptyClient = try await Workflow.client(net, name: "\(p) Empty", login: "\(p)-empty")
            try await Workflow.serve(net, emptyClient, by: dealer)

            // Registers: C and C2 each hold one, plus an organization owning none and an empty group;
            // D has an organization with the same INN (a transfer target) and a group with a register.
            typealias Setup = RegisterWorkflow
            func holdings(_ account: TestAccount) async throws -> (register: Int64, organization: Int64, group: Int64) {
                let owner = try await Setup.organization(net, account.token, inn: Setup.sberbankINN)
                let register = try await net.call(
                    Registers.addRegister, Setup.randomRegister(organization: owner.id), token: account.token).register!
                let spare = try await Setup.organization(net, account.token, inn: Setup.yandexINN)
                return (register.id, spare.id, try await Setup.group(net, account.token, name: "Shop").id)
            }
            let home = try await holdings(client)
            let foreign = try await holdings(foreignClient)
            let dealerOrganization = try await Setup.organization(net, dealer.token, inn: Setup.sberbankINN)
            let dealerGroup = try await Setup.group(net, dealer.token, name: "Branch")
            _ = try await net.call(
                Registers.addRegister, Setup.randomRegister(organization: dealerOrganization.id, group: dealerGroup.id),
                token: dealer.token)
            let foreignDealerGroup = try await Setup.group(net, otherDealer.token, name: "Branch")
            return Fixture(
                tokens: ["", dealer.token, clerk, client.token, dealer.token, impersonation, other.token],
                homeDealer: dealer.accountID, homeClient: client.accountID, homeClientRequest: clientRequest.id,
                homeRequest: homeRequest.id, foreignClient: foreignClient.accountID, foreignRequest: foreignRequest.id,
                homeEmptyClient: emptyClient.accountID, homeRegister: home.register, homeOrganization: home.organization,
                homeGroup: home.group, homeDealerGroup: dealerGroup.id, foreignRegister: foreign.register,
                foreignOrganization: foreign.organization, foreignGroup: foreign.group,
                foreignDealerGroup: foreignDealerGroup.id,
                homeUser: try #require(clerkUser.user).id, foreignUser: foreignClient.adminUserID)
        }
    }

    /// An object of the fixture that a call names.
    enum Object: Sendable {
        case homeDealer, homeClient, homeClientRequest, homeRequest, foreignClient, foreignRequest, homeUser, foreignUser
        case homeEmptyClient, homeRegister, homeOrganization, homeGroup, homeDealerGroup
        case foreignRegister, foreignOrganization, foreignGroup, foreignDealerGroup

        func id(in fixture: Fixture) -> Int64 {
            switch self {
            case .homeDealer: fixture.homeDealer
            case .homeClient: fixture.homeClient
            case .homeClientRequest: fixture.homeClientRequest
            case .homeRequest: fixture.homeRequest
            case .foreignClient: fixture.foreignClient
            case .foreignRequest: fixture.foreignRequest
            case .homeUser: fixture.homeUser
            case .foreignUser: fixture.foreignUser
            case .homeEmptyClient: fixture.homeEmptyClient
            case .homeRegister: fixture.homeRegister
            case .homeOrganization: fixture.homeOrganization
            case .homeGroup: fixture.homeGroup
            case .homeDealerGroup: fixture.homeDealerGroup
            case .foreignRegister: fixture.foreignRegister
            case .foreignOrganization: fixture.foreignOrganization
            case .foreignGroup: fixture.foreignGroup
            case .foreignDealerGroup: fixture.foreignDealerGroup
            }
        }
    }

    typealias Call = @Sendable (DealerConnection, _ token: String, _ objectID: Int64) async throws -> Void

    struct Row: Sendable {
        var method: String
        var isWrite: Bool
        var objects: (home: Object, foreign: Object)?
        /// Expected outcome per caller (in `Caller` order), on the home object.
        var home: [CallOutcome]
        /// Expected outcome per caller on the foreign object; nil without an object id.
        var foreign: [CallOutcome]?
        var call: Call
    }

    // Outcomes, by the name the table uses.
    static let ok = CallOutcome.ok
    static let noToken = CallOutcome.failed(.unauthenticated, .tokenRequired)
    static let expired = CallOutcome.failed(.unauthenticated, .sessionInvalid)
    static let dealerMode = CallOutcome.failed(.permissionDenied, .dealerModeRequired)
    static let impersonating = CallOutcome.failed(.permissionDenied, .notAllowedWhileImpersonating)
    static let adminOnly = CallOutcome.failed(.permissionDenied, .adminRequired)
    static let noClient = CallOutcome.failed(.notFound, .clientNotFound)
    static let noRequest = CallOutcome.failed(.notFound, .requestNotFound)
    static let noDealer = CallOutcome.failed(.notFound, .dealerNotFound)
    static let notPending = CallOutcome.failed(.failedPrecondition, .requestNotPending)
    static let served = CallOutcome.failed(.failedPrecondition, .accountServedByDealer)
    static let notServed = CallOutcome.failed(.failedPrecondition, .notServed)
    static let noUser = CallOutcome.failed(.notFound, .userNotFound)
    static let noRegister = CallOutcome.failed(.notFound, .registerNotFound)
    static let noOrganization = CallOutcome.failed(.notFound, .organizationNotFound)
    static let noGroup = CallOutcome.failed(.notFound, .groupNotFound)

    /// Expected outcomes of register methods: reads and admin-only changes, on the home
    /// client C's object (its admin, a LoginToClient session into it) and on others'.
    static func registerRead(_ missing: CallOutcome) -> (home: [CallOutcome], foreign: [CallOutcome]) {
        ([noToken, expired, ok, ok, missing, ok, missing], [noToken, expired, missing, missing, missing, missing, missing])
    }

    static func registerWrite(_ missing: CallOutcome) -> (home: [CallOutcome], foreign: [CallOutcome]) {
        ([noToken, expired, adminOnly, ok, missing, ok, missing],
         [noToken, expired, adminOnly, missing, missing, missing, missing])
    }

    static let registerList = [noToken, expired, ok, ok, ok, ok, ok]
    static let registerCreate = [noToken, expired, adminOnly, ok, ok, ok, ok]

    static func registerRow(
        _ path: String, isWrite: Bool, _ objects: (home: Object, foreign: Object),
        _ outcomes: (home: [CallOutcome], foreign: [CallOutcome]), call: @escaping Call
    ) -> Row {
        Row(method: path, isWrite: isWrite, objects: objects, home: outcomes.home, foreign: outcomes.foreign, call: call)
    }

    /// The table. Columns: no token, expired token, plain client user, client admin, dealer,
    /// dealer via LoginToClient, user of another tenant.
    static let table: [Row] = [
        Row(method: Dealer.listClients.path, isWrite: false, objects: nil,
            home: [noToken, expired, dealerMode, dealerMode, ok, dealerMode, dealerMode], foreign: nil,
            call: { net, token, _ in _ = try await net.call(Dealer.listClients, .init(), token: token) }),
        Row(method: Dealer.listIncomingRequests.path, isWrite: false, objects: nil,
            home: [noToken, expired, dealerMode, dealerMode, ok, dealerMode, dealerMode], foreign: nil,
            call: { net, token, _ in _ = try await net.call(Dealer.listIncomingRequests, .init(), token: token) }),
        Row(method: Dealer.createClient.path, isWrite: true, objects: nil,
            home: [noToken, expired, dealerMode, dealerMode, ok, dealerMode, dealerMode], foreign: nil,
            call: { net, token, _ in
                let login = "added-\(UInt32.random(in: 0...UInt32.max))"
                _ = try await net.call(
                    Dealer.createClient, .init(accountName: "Added", adminLogin: login, adminPassword: Workflow.password),
                    token: token)
            }),
        Row(method: Dealer.deleteClient.path, isWrite: true, objects: (.homeEmptyClient, .foreignClient),
            home: [noToken, expired, dealerMode, dealerMode, ok, dealerMode, dealerMode],
            foreign: [noToken, expired, dealerMode, dealerMode, noClient, dealerMode, dealerMode],
            call: { net, token, id in _ = try await net.call(Dealer.deleteClient, .init(accountID: id), token: token) }),
        Row(method: Dealer.loginToClient.path, isWrite: true, objects: (.homeClient, .foreignClient),
            home: [noToken, expired, dealerMode, dealerMode, ok, impersonating, dealerMode],
            foreign: [noToken, expired, dealerMode, dealerMode, noClient, impersonating, dealerMode],
            call: { net, token, id in _ = try await net.call(Dealer.loginToClient, .init(accountID: id), token: token) }),
        Row(method: Dealer.acceptRequest.path, isWrite: true, objects: (.homeRequest, .foreignRequest),
            home: [noToken, expired, dealerMode, dealerMode, ok, dealerMode, dealerMode],
            foreign: [noToken, expired, dealerMode, dealerMode, noRequest, dealerMode, dealerMode],
            call: { net, token, id in _ = try await net.call(Dealer.acceptRequest, .init(requestID: id), token: token) }),
        Row(method: Dealer.rejectRequest.path, isWrite: true, objects: (.homeRequest, .foreignRequest),
            home: [noToken, expired, dealerMode, dealerMode, ok, dealerMode, dealerMode],
            foreign: [noToken, expired, dealerMode, dealerMode, noRequest, dealerMode, dealerMode],
            call: { net, token, id in
                _ = try await net.call(Dealer.rejectRequest, .init(requestID: id, reason: "no"), token: token)
            }),
        Row(method: Dealer.setRequestBlocked.path, isWrite: true, objects: (.homeRequest, .foreignRequest),
            home: [noToken, expired, dealerMode, dealerMode, ok, dealerMode, dealerMode],
            foreign: [noToken, expired, dealerMode, dealerMode, noRequest, dealerMode, dealerMode],
            call: { net, token, id in
                _ = try await net.call(Dealer.setRequestBlocked, .init(requestID: id, blocked: true), token: token)
            }),
        Row(method: Client.findDealers.path, isWrite: false, objects: nil,
            home: [noToken, expired, ok, ok, ok, ok, ok], foreign: nil,
            call: { net, token, _ in _ = try await net.call(Client.findDealers, .init(), token: token) }),
        Row(method: Client.listMyRequests.path, isWrite: false, objects: nil,
            home: [noToken, expired, ok, ok, ok, ok, ok], foreign: nil,
            call: { net, token, _ in _ = try await net.call(Client.listMyRequests, .init(), token: token) }),
        // Home: the home dealer D. Foreign: another tenant's account that is not a dealer (C2).
        Row(method: Client.submitRequest.path, isWrite: true, objects: (.homeDealer, .foreignClient),
            home: [noToken, expired, served, served, noDealer, impersonating, ok],
            foreign: [noToken, expired, noDealer, noDealer, noDealer, impersonating, noDealer],
            call: { net, token, id in
                _ = try await net.call(Client.submitRequest, .init(dealerAccountID: id, message: "hi"), token: token)
            }),
        // Home: C's (accepted) request. Foreign: T's pending request, which is the other tenant's own.
        Row(method: Client.cancelRequest.path, isWrite: true, objects: (.homeClientRequest, .foreignRequest),
            home: [noToken, expired, notPending, notPending, noRequest, notPending, noRequest],
            foreign: [noToken, expired, noRequest, noRequest, noRequest, noRequest, ok],
            call: { net, token, id in _ = try await net.call(Client.cancelRequest, .init(requestID: id), token: token) }),
        Row(method: Client.getServiceStatus.path, isWrite: false, objects: nil,
            home: [noToken, expired, ok, ok, ok, ok, ok], foreign: nil,
            call: { net, token, _ in _ = try await net.call(Client.getServiceStatus, .init(), token: token) }),
        Row(method: Client.disconnect.path, isWrite: true, objects: nil,
            home: [noToken, expired, ok, ok, notServed, impersonating, notServed], foreign: nil,
            call: { net, token, _ in _ = try await net.call(Client.disconnect, .init(), token: token) }),
        Row(method: Client.listAuditEvents.path, isWrite: false, objects: nil,
            home: [noToken, expired, adminOnly, ok, ok, ok, ok], foreign: nil,
            call: { net, token, _ in _ = try await net.call(Client.listAuditEvents, .init(), token: token) }),
        // Auth: user administration and passwords. A LoginToClient session (admin in the client
        // account) may list the client's users but not create, change or delete them.
        Row(method: Auth.listUsers.path, isWrite: false, objects: nil,
            home: [noToken, expired, adminOnly, ok, ok, ok, ok], foreign: nil,
            call: { net, token, _ in _ = try await net.call(Auth.listUsers, .init(), token: token) }),
        Row(method: Auth.createUser.path, isWrite: true, objects: nil,
            home: [noToken, expired, adminOnly, ok, ok, impersonating, ok], foreign: nil,
            call: { net, token, _ in
                let login = "added-\(UInt32.random(in: 0...UInt32.max))"
                _ = try await net.call(Auth.createUser, .init(login: login, password: Workflow.password), token: token)
            }),
        Row(method: Auth.setUserRights.path, isWrite: true, objects: (.homeUser, .foreignUser),
            home: [noToken, expired, adminOnly, ok, noUser, impersonating, noUser],
            foreign: [noToken, expired, adminOnly, noUser, noUser, impersonating, noUser],
            call: { net, token, id in _ = try await net.call(Auth.setUserRights, .init(userID: id, rights: []), token: token) }),
        Row(method: Auth.deleteUser.path, isWrite: true, objects: (.homeUser, .foreignUser),
            home: [noToken, expired, adminOnly, ok, noUser, impersonating, noUser],
            foreign: [noToken, expired, adminOnly, noUser, noUser, impersonating, noUser],
            call: { net, token, id in _ = try await net.call(Auth.deleteUser, .init(userID: id), token: token) }),
        Row(method: Auth.changePassword.path, isWrite: true, objects: nil,
            home: [noToken, expired, ok, ok, ok, impersonating, ok], foreign: nil,
            call: { net, token, _ in
                _ = try await net.call(
                    Auth.changePassword, .init(currentPassword: Workflow.password, newPassword: "another good password"),
                    token: token)
            }),
    ] + registerTable

    /// Register rows: RegisterService acts in the caller's account, so the dealer (in its own
    /// account) and the other tenant find neither C's nor C2's objects; the new DealerService
    /// methods move registers of accounts the dealer serves only.
    static let registerTable: [Row] = [
        Row(method: Dealer.transferRegisters.path, isWrite: true, objects: (.homeRegister, .foreignRegister),
            home: [noToken, expired, dealerMode, dealerMode, ok, dealerMode, dealerMode],
            foreign: [noToken, expired, dealerMode, dealerMode, noRegister, dealerMode, dealerMode],
            call: { net, token, id in
                // Into the caller's own account (D holds an organization with the register's INN).
                let me = try await net.call(Auth_V1_AuthService.whoAmI, .init(), token: token).session!
                _ = try await net.call(
                    Dealer.transferRegisters,
                    .init(registerIds: [id], targetAccountID: me.accountID, operationID: RegisterWorkflow.operationID()),
                    token: token)
            }),
        Row(method: Dealer.convertGroupToClient.path, isWrite: true, objects: (.homeDealerGroup, .foreignDealerGroup),
            home: [noToken, expired, dealerMode, dealerMode, ok, dealerMode, dealerMode],
            foreign: [noToken, expired, dealerMode, dealerMode, noGroup, dealerMode, dealerMode],
            call: { net, token, id in
                _ = try await net.call(
                    Dealer.convertGroupToClient,
                    .init(groupID: id, accountName: "Converted", adminLogin: "conv-\(UInt32.random(in: 0...UInt32.max))",
                          adminPassword: Workflow.password, operationID: RegisterWorkflow.operationID()),
                    token: token)
            }),
        Row(method: Dealer.listTransfers.path, isWrite: false, objects: nil,
            home: [noToken, expired, dealerMode, dealerMode, ok, dealerMode, dealerMode], foreign: nil,
            call: { net, token, _ in _ = try await net.call(Dealer.listTransfers, .init(), token: token) }),
        Row(method: Registers.listOrganizations.path, isWrite: false, objects: nil, home: registerList, foreign: nil,
            call: { net, token, _ in _ = try await net.call(Registers.listOrganizations, .init(), token: token) }),
        registerRow(Registers.getOrganization.path, isWrite: false, (.homeOrganization, .foreignOrganization),
                    registerRead(noOrganization)) { net, token, id in
            _ = try await net.call(Registers.getOrganization, .init(organizationID: id), token: token)
        },
        Row(method: Registers.createOrganization.path, isWrite: true, objects: nil, home: registerCreate, foreign: nil,
            call: { net, token, _ in
                _ = try await net.call(
                    Registers.createOrganization, .init(name: "IP", inn: RegisterWorkflow.entrepreneurINN), token: token)
            }),
        registerRow(Registers.updateOrganization.path, isWrite: true, (.homeOrganization, .foreignOrganization),
                    registerWrite(noOrganization)) { net, token, id in
            _ = try await net.call(Registers.updateOrganization, .init(organizationID: id, name: "Renamed"), token: token)
        },
        registerRow(Registers.deleteOrganization.path, isWrite: true, (.homeOrganization, .foreignOrganization),
                    registerWrite(noOrganization)) { net, token, id in
            _ = try await net.call(Registers.deleteOrganization, .init(organizationID: id), token: token)
        },
        Row(method: Registers.listGroups.path, isWrite: false, objects: nil, home: registerList, foreign: nil,
            call: { net, token, _ in _ = try await net.call(Registers.listGroups, .init(), token: token) }),
        Row(method: Registers.createGroup.path, isWrite: true, objects: nil, home: registerCreate, foreign: nil,
            call: { net, token, _ in _ = try await net.call(Registers.createGroup, .init(name: "New shop"), token: token) }),
        registerRow(Registers.renameGroup.path, isWrite: true, (.homeGroup, .foreignGroup), registerWrite(noGroup)) {
            net, token, id in
            _ = try await net.call(Registers.renameGroup, .init(groupID: id, name: "Renamed shop"), token: token)
        },
        registerRow(Registers.deleteGroup.path, isWrite: true, (.homeGroup, .foreignGroup), registerWrite(noGroup)) {
            net, token, id in
            _ = try await net.call(Registers.deleteGroup, .init(groupID: id), token: token)
        },
        Row(method: Registers.listRegisters.path, isWrite: false, objects: nil, home: registerList, foreign: nil,
            call: { net, token, _ in _ = try await net.call(Registers.listRegisters, .init(), token: token) }),
        registerRow(Registers.getRegister.path, isWrite: false, (.homeRegister, .foreignRegister), registerRead(noRegister)) {
            net, token, id in
            _ = try await net.call(Registers.getRegister, .init(registerID: id), token: token)
        },
        registerRow(Registers.addRegister.path, isWrite: true, (.homeOrganization, .foreignOrganization),
                    registerWrite(noOrganization)) { net, token, id in
            _ = try await net.call(Registers.addRegister, RegisterWorkflow.randomRegister(organization: id), token: token)
        },
        registerRow(Registers.updateRegister.path, isWrite: true, (.homeRegister, .foreignRegister),
                    registerWrite(noRegister)) { net, token, id in
            _ = try await net.call(
                Registers.updateRegister, .init(registerID: id, updateFields: [.name], name: "Front till"), token: token)
        },
        registerRow(Registers.moveRegistersToGroup.path, isWrite: true, (.homeRegister, .foreignRegister),
                    registerWrite(noRegister)) { net, token, id in
            _ = try await net.call(Registers.moveRegistersToGroup, .init(registerIds: [id], groupID: 0), token: token)
        },
        registerRow(Registers.removeRegister.path, isWrite: true, (.homeRegister, .foreignRegister),
                    registerWrite(noRegister)) { net, token, id in
            _ = try await net.call(Registers.removeRegister, .init(registerID: id), token: token)
        },
        registerRow(Registers.getRegisterHistory.path, isWrite: false, (.homeRegister, .foreignRegister),
                    registerRead(noRegister)) { net, token, id in
            _ = try await net.call(Registers.getRegisterHistory, .init(registerID: id), token: token)
        },
    ]

    @Test("the table covers every Dealer, Client and Register method and Auth's user administration, each with one outcome per caller")
    func tableIsComplete() {
        let methods = Set(Self.table.map(\.method))
        #expect(methods == Set(Dealer.allMethodPaths + Client.allMethodPaths + Registers.allMethodPaths + Self.authMethods))
        #expect(methods.count == Self.table.count)
        for row in Self.table {
            #expect(row.home.count == Caller.allCases.count, "\(row.method)")
            #expect((row.objects == nil) == (row.foreign == nil), "\(row.method)")
            #expect(row.foreign.map { $0.count == Caller.allCases.count } ?? true, "\(row.method)")
        }
    }

    @Test("every cell answers the code the table expects")
    func everyCell() async throws {
        try await withServicesTestServer { server in
            let net = try await server.connect()
            var fixtures = 0
            func fresh() async throws -> Fixture {
                fixtures += 1
                return try await Fixture.build(net, prefix: "f\(fixtures)")
            }
            let shared = try await fresh()
            var cells = 0

            /// Runs one cell. A successful write gets a fixture of its own; every other cell
            /// leaves the shared fixture as it was.
            func run(_ row: Row, _ caller: Caller, foreign: Bool) async throws {
                guard let expected = foreign ? row.foreign?[caller.rawValue] : row.home[caller.rawValue] else { return }
                let fixture = expected == .ok && row.isWrite ? try await fresh() : shared
                let objectID = row.objects.map { (foreign ? $0.foreign : $0.home).id(in: fixture) } ?? 0
                let outcome = try await CallOutcome.of { try await row.call(net, fixture.tokens[caller.rawValue], objectID) }
                #expect(
                    outcome.matches(expected),
                    "\(row.method) as \(caller) on the \(foreign ? "foreign" : "home") object: expected \(expected), got \(outcome)")
                cells += 1
            }

            for row in Self.table {
                for caller in Caller.allCases where caller != .expiredToken {
                    try await run(row, caller, foreign: false)
                    try await run(row, caller, foreign: true)
                }
            }
            // Every session of the shared fixture is now past its absolute lifetime.
            server.clock.advance(milliseconds: ServicesConfiguration.testing.sessionLifetimeMs + 1)
            for row in Self.table {
                try await run(row, .expiredToken, foreign: false)
                try await run(row, .expiredToken, foreign: true)
            }
            #expect(cells == Self.table.count * Caller.allCases.count + Self.table.filter { $0.foreign != nil }.count * Caller.allCases.count)
            try Workflow.expectNoViolations(server)
            await net.close()
        }
    }
}
