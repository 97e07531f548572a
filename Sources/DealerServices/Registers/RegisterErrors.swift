import DealerProtocol
import DealerStore

/// The statuses of the store's register errors; `RPCError.answering` (the one
/// place store errors become wire statuses) uses them.
enum RegisterErrors {
    static func rpcError(_ error: RegisterStoreError) -> RPCError {
        switch error {
        case .organizationNotFound: RPCError(.notFound, .organizationNotFound, "no such organization in this account")
        case .groupNotFound: RPCError(.notFound, .groupNotFound, "no such group in this account")
        case .registerNotFound: RPCError(.notFound, .registerNotFound, "no such register in this account")
        case .innInUse: RPCError(.alreadyExists, .innInUse, "an organization of this account has this INN already")
        case .groupNameTaken: RPCError(.alreadyExists, .groupNameTaken, "a group of this account has this name already")
        case .serialInUse: RPCError(.alreadyExists, .serialInUse, "a register of this model has this serial number already")
        case .registrationNumberInUse:
            RPCError(.alreadyExists, .registrationNumberInUse, "a register has this registration number already")
        case .organizationHasRegisters:
            RPCError(.failedPrecondition, .organizationHasRegisters, "registers (removed ones included) belong to this organization")
        case .groupNotEmpty: RPCError(.failedPrecondition, .groupNotEmpty, "the group holds registers")
        case .registerRemoved: RPCError(.failedPrecondition, .registerRemoved, "the register has been removed")
        case .accountHasRegisters:
            RPCError(.failedPrecondition, .accountHasRegisters, "the account holds active registers: move or remove them first")
        case .targetAccountNotFound:
            RPCError(.notFound, .clientNotFound, "the target is neither this dealer's account nor one it serves")
        case .tooManyRegisters(let limit):
            RPCError(.failedPrecondition, .tooManyRegisters, "more than \(limit) registers in one operation")
        case .registersCannotMove(let problems): batchError(problems)
        case .sharedOrganizations(let organizations):
            RPCError(
                .failedPrecondition, .sharedOrganization,
                "organizations own registers outside the group (set copy_shared_organizations to copy them): "
                    + organizations.map {
                        "INN \($0.inn) (organization \($0.organizationID), \($0.registersOutsideGroup) registers outside)"
                    }.joined(separator: ", "))
        }
    }

    /// The reason of a failed batch, in this order: not found, removed, already in the
    /// target, target without the organization. The message names every offending id.
    private static func batchError(_ problems: [RegisterProblem]) -> RPCError {
        var notFound: [Int64] = [], removed: [Int64] = [], inTarget: [Int64] = []
        var missingINNs: [String: [Int64]] = [:]
        for problem in problems {
            switch problem.kind {
            case .notFound: notFound.append(problem.registerID)
            case .removed: removed.append(problem.registerID)
            case .alreadyInTarget: inTarget.append(problem.registerID)
            case .targetHasNoOrganization(let inn): missingINNs[inn, default: []].append(problem.registerID)
            }
        }
        func list(_ ids: [Int64]) -> String { ids.map(String.init).joined(separator: ", ") }
        var parts: [String] = []
        if !notFound.isEmpty { parts.append("not found: \(list(notFound))") }
        if !removed.isEmpty { parts.append("removed: \(list(removed))") }
        if !inTarget.isEmpty { parts.append("already in the target account: \(list(inTarget))") }
        for (inn, ids) in missingINNs.sorted(by: { $0.key < $1.key }) {
            parts.append("the target account has no organization with INN \(inn): \(list(ids))")
        }
        let message = "no register moved; \(problems.count) cannot move: " + parts.joined(separator: "; ")
        if !notFound.isEmpty { return RPCError(.notFound, .registerNotFound, message) }
        if !removed.isEmpty { return RPCError(.failedPrecondition, .registerRemoved, message) }
        if !inTarget.isEmpty { return RPCError(.failedPrecondition, .registerAlreadyInTarget, message) }
        return RPCError(.failedPrecondition, .targetHasNoOrganization, message)
    }

    /// The wire reason of one register's problem (dry runs list them).
    static func reason(of problem: RegisterProblem.Kind) -> RPCError.Reason {
        switch problem {
        case .notFound: .registerNotFound
        case .removed: .registerRemoved
        case .alreadyInTarget: .registerAlreadyInTarget
        case .targetHasNoOrganization: .targetHasNoOrganization
        }
    }
}
