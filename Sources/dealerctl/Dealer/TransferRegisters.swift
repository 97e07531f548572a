import ArgumentParser
import DealerProtocol
import Foundation

struct TransferRegisters: RPCCommand {
    static let rpcPath = Dealer_V1_DealerService.transferRegisters.path
    static let configuration = CommandConfiguration(
        commandName: "transfer-registers",
        abstract: "Moves registers between this dealer's account and a served one, all or none (--dry-run previews).")

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .customLong("register-id"), help: "A register to move (repeatable).")
    var registerIDs: [Int64] = []

    @Option(help: "The account they go to (this dealer's own or a served one).")
    var targetAccountID: Int64

    @Option(help: "A group of the target account (0 = none).")
    var targetGroupID: Int64 = 0

    @OptionGroup var operation: OperationOptions

    func run() async throws {
        let operationID = operation.resolvedID
        try await connection.show({
            try await $0.dealer.transferRegisters(
                .init(
                    registerIds: registerIDs, targetAccountID: targetAccountID, targetGroupID: targetGroupID,
                    operationID: operationID, dryRun: operation.dryRun))
        })
    }
}

/// The operation id and dry-run switch of the repeatable register operations.
struct OperationOptions: ParsableArguments {
    @Option(help: "A UUID naming the operation, so that a repeat changes nothing (default: a new random one, printed).")
    var operationID: String?

    @Flag(help: "Only preview: change nothing.")
    var dryRun = false

    var resolvedID: String { operationID ?? UUID().uuidString.lowercased() }
}
