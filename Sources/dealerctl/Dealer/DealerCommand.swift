import ArgumentParser

struct DealerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dealer",
        abstract: "dealer.v1.DealerService: a dealer's clients, the requests sent to it, and moving registers (dealer mode).",
        subcommands: [
            ClientsCommand.self, RequestsCommand.self, AcceptRequest.self, RejectRequest.self, BlockRequest.self,
            UnblockRequest.self, LoginToClient.self, CreateClient.self, DeleteClient.self, TransferRegisters.self,
            ConvertGroup.self, ListTransfers.self,
        ])
}
