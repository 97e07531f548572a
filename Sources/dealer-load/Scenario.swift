import ArgumentParser
import Foundation

/// A `dealer-load scenario` workload: which calls each in-flight slot makes.
enum Scenario: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// Health/Check, no session.
    case health
    /// Auth/WhoAmI with a session token.
    case whoami
    /// Dealer/ListIncomingRequests, 50 per page, over seeded requests.
    case list
    /// Cycles of Client/SubmitRequest → Dealer/AcceptRequest → Client/Disconnect: three durable writes.
    case write
    /// A weighted mix of the four above (`--mix`).
    case mixed
    /// The raw frame echo (`dealer-load echo-server`) with Health/Check request frames: the reference.
    case baseline

    /// Whether the scenario needs the seeded dealer, clients and requests.
    func needsSeed(_ mix: ScenarioMix) -> Bool {
        switch self {
        case .health, .baseline: false
        case .whoami, .list, .write: true
        case .mixed: mix.weight(.whoami) + mix.weight(.list) + mix.weight(.write) > 0
        }
    }

    /// Whether every slot needs its own client account (the write cycle).
    func needsClientPerSlot(_ mix: ScenarioMix) -> Bool {
        self == .write || (self == .mixed && mix.weight(.write) > 0)
    }
}

/// One call a slot can make; the three write steps follow each other on one slot.
enum CallKind: Int, CaseIterable, Sendable {
    case health, whoami, list, submit, accept, disconnect, echo
}

/// The weights of `mixed`, parsed from `health=1,whoami=6,list=2,write=1`.
struct ScenarioMix: Sendable, CustomStringConvertible, ExpressibleByArgument {
    private(set) var weights: [Scenario: Int] = [:]

    static let standard = ScenarioMix(argument: "health=2,whoami=5,list=2,write=1")!

    init?(argument: String) {
        for part in argument.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let scenario = Scenario(rawValue: pair[0]),
                [.health, .whoami, .list, .write].contains(scenario), let weight = Int(pair[1]), weight >= 0
            else { return nil }
            weights[scenario] = weight
        }
        guard weights.values.reduce(0, +) > 0 else { return nil }
    }

    func weight(_ scenario: Scenario) -> Int { weights[scenario] ?? 0 }

    var description: String {
        [Scenario.health, .whoami, .list, .write].map { "\($0.rawValue)=\(weight($0))" }.joined(separator: ",")
    }

    /// The first call of an operation drawn from `random` in 0..<total.
    func firstCall(_ random: UInt64) -> CallKind {
        let total = UInt64(weights.values.reduce(0, +))
        var pick = Int(random % total)
        for (scenario, kind) in [(Scenario.health, CallKind.health), (.whoami, .whoami), (.list, .list), (.write, .submit)] {
            pick -= weight(scenario)
            if pick < 0 { return kind }
        }
        return .health
    }
}
