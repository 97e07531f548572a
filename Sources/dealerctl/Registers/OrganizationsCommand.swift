import ArgumentParser
import DealerProtocol

struct OrganizationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orgs", abstract: "Organizations that own the account's registers.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Adds an organization.")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "Its name.")
        var name: String

        @Option(help: "Its INN: 10 digits (company) or 12 (individual entrepreneur).")
        var inn: String

        @Option(help: "Its KPP: 9 digits, only with a 10-digit INN.")
        var kpp = ""

        func run() async throws {
            try await connection.run { session in
                let response = try await session.call(
                    Registers_V1_RegisterService.createOrganization, .init(name: name, inn: inn, kpp: kpp))
                let organization = response.organization ?? .init()
                print("organization \(organization.name) (id \(organization.id), INN \(organization.inn))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists the organizations.")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var page: PageOptions

        func run() async throws {
            try await connection.run { session in
                let response = try await session.call(
                    Registers_V1_RegisterService.listOrganizations, .init(pageSize: page.pageSize, pageToken: page.pageToken))
                printTable(
                    ["id", "name", "inn", "kpp", "registers"],
                    response.organizations.map { ["\($0.id)", $0.name, $0.inn, $0.kpp.isEmpty ? "-" : $0.kpp, "\($0.registerCount)"] })
                printNextPage(response.nextPageToken)
            }
        }
    }
}
