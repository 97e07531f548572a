import ArgumentParser

/// A subcommand that makes one RPC (or, like `block`/`unblock`, one of a few
/// subcommands of the same RPC). `DealerCtl.methodTable` collects them, and a
/// test checks that every method in proto/ has at least one.
protocol RPCCommand: AsyncParsableCommand {
    /// The method's path, e.g. `Dealer_V1_DealerService.acceptRequest.path`.
    static var rpcPath: String { get }
}

extension DealerCtl {
    /// Every method path a subcommand calls → the subcommands (as typed:
    /// "dealer accept") that call it.
    static var methodTable: [String: [String]] {
        var table: [String: [String]] = [:]
        func walk(_ command: any ParsableCommand.Type, _ path: [String]) {
            let name = command.configuration.commandName ?? command._commandName
            let here = command == DealerCtl.self ? [] : path + [name]
            if let rpc = command as? any RPCCommand.Type { table[rpc.rpcPath, default: []].append(here.joined(separator: " ")) }
            for subcommand in command.configuration.subcommands { walk(subcommand, here) }
        }
        walk(DealerCtl.self, [])
        return table
    }
}
