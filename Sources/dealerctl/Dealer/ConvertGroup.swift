import ArgumentParser
import DealerProtocol

struct ConvertGroup: RPCCommand {
    static let rpcPath = Dealer_V1_DealerService.convertGroupToClient.path
    static let configuration = CommandConfiguration(
        commandName: "convert-group",
        abstract: "Turns a group of this dealer's account into a new served account (ConvertGroupToClient; --dry-run previews).",
        discussion: "`dealerctl migrate groups` does this for many groups at once.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The group's id (see `registers groups list`).")
    var groupID: Int64

    @Option(help: "The new account's name.")
    var accountName: String

    @Option(help: "Its administrator's login.")
    var adminLogin: String

    @Option(help: "Its administrator's password (default: $DEALER_PASSWORD).")
    var adminPassword: String?

    @Flag(help: "Copy organizations that also own registers outside the group (else such a group is refused).")
    var copySharedOrganizations = false

    @OptionGroup var operation: OperationOptions

    func run() async throws {
        let password = try resolvePassword(adminPassword)
        let operationID = operation.resolvedID
        try await connection.show({
            try await $0.dealer.convertGroupToClient(
                .init(
                    groupID: groupID, accountName: accountName, adminLogin: adminLogin, adminPassword: password,
                    operationID: operationID, dryRun: operation.dryRun, copySharedOrganizations: copySharedOrganizations))
        })
    }
}
