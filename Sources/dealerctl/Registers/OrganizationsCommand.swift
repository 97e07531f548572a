import ArgumentParser
import DealerProtocol

struct OrganizationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orgs", abstract: "Organizations that own the account's registers.",
        subcommands: [Create.self, List.self, Get.self, Update.self, Delete.self])

    static let columns = ["id", "name", "inn", "kpp", "register_count"]

    struct Create: RPCCommand {
        static let rpcPath = Registers_V1_RegisterService.createOrganization.path
        static let configuration = CommandConfiguration(abstract: "Adds an organization.")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "Its name.")
        var name: String

        @Option(help: "Its INN: 10 digits (company) or 12 (individual entrepreneur).")
        var inn: String

        @Option(help: "Its KPP: 9 digits, only with a 10-digit INN.")
        var kpp = ""

        func run() async throws {
            try await connection.show({ try await $0.registers.createOrganization(.init(name: name, inn: inn, kpp: kpp)) }) {
                printRows([$0.organization ?? .init()], OrganizationsCommand.columns)
            }
        }
    }

    struct List: RPCCommand {
        static let rpcPath = Registers_V1_RegisterService.listOrganizations.path
        static let configuration = CommandConfiguration(abstract: "Lists the organizations.")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var page: PageOptions

        func run() async throws {
            try await connection.show({
                try await $0.registers.listOrganizations(.init(pageSize: page.pageSize, pageToken: page.pageToken))
            }) { response in
                printRows(response.organizations, OrganizationsCommand.columns)
                printNextPage(response.nextPageToken)
            }
        }
    }

    struct Get: RPCCommand {
        static let rpcPath = Registers_V1_RegisterService.getOrganization.path
        static let configuration = CommandConfiguration(abstract: "Shows one organization.")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "The organization's id.")
        var organizationID: Int64

        func run() async throws {
            try await connection.show({ try await $0.registers.getOrganization(.init(organizationID: organizationID)) })
        }
    }

    struct Update: RPCCommand {
        static let rpcPath = Registers_V1_RegisterService.updateOrganization.path
        static let configuration = CommandConfiguration(abstract: "Renames an organization and sets its KPP (the INN never changes).")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "The organization's id.")
        var organizationID: Int64

        @Option(help: "Its name (required, as when created).")
        var name: String

        @Option(help: "Its KPP (empty clears it).")
        var kpp = ""

        func run() async throws {
            try await connection.show({
                try await $0.registers.updateOrganization(.init(organizationID: organizationID, name: name, kpp: kpp))
            }) { printRows([$0.organization ?? .init()], OrganizationsCommand.columns) }
        }
    }

    struct Delete: RPCCommand {
        static let rpcPath = Registers_V1_RegisterService.deleteOrganization.path
        static let configuration = CommandConfiguration(abstract: "Deletes an organization no register (removed ones included) points at.")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "The organization's id.")
        var organizationID: Int64

        func run() async throws {
            try await connection.show({ try await $0.registers.deleteOrganization(.init(organizationID: organizationID)) }) { _ in
                print("organization \(organizationID) deleted")
            }
        }
    }
}
