import ArgumentParser

struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "client.v1.ClientService: an account asks a dealer to serve it, follows its requests, leaves, reads the audit.",
        subcommands: [
            FindDealers.self, ListMyRequests.self, SubmitRequest.self, CancelRequest.self, ServiceStatus.self, Disconnect.self,
            ListAuditEvents.self,
        ])
}
