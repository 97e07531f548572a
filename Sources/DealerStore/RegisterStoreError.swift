/// Domain failures of the register, organization, group and transfer operations.
/// The services turn each into its wire status in one place.
public enum RegisterStoreError: Error, Sendable, Hashable {
    case organizationNotFound
    case groupNotFound
    case registerNotFound
    case innInUse
    case groupNameTaken
    case serialInUse
    case registrationNumberInUse
    case organizationHasRegisters
    case groupNotEmpty
    case registerRemoved
    case accountHasRegisters
    /// The target of a transfer is neither the dealer's account nor one it serves.
    case targetAccountNotFound
    /// Some registers of a batch cannot move: every one of them, by id.
    case registersCannotMove([RegisterProblem])
    /// Organizations of a converted group that own registers outside it.
    case sharedOrganizations([SharedOrganizationRecord])
    /// More registers than one operation moves.
    case tooManyRegisters(limit: Int)

    /// The error behind a schema backstop (trigger, unique index), or nil when the
    /// violation is not one of these rules.
    init?(constraint error: SQLiteError) {
        let message = error.message
        let byMessage: [String: RegisterStoreError] = [
            "ORGANIZATION_NOT_FOUND": .organizationNotFound, "GROUP_NOT_FOUND": .groupNotFound,
            "ORGANIZATION_HAS_REGISTERS": .organizationHasRegisters, "GROUP_NOT_EMPTY": .groupNotEmpty,
            "REGISTER_REMOVED": .registerRemoved, "ACCOUNT_HAS_REGISTERS": .accountHasRegisters,
        ]
        if let match = byMessage[message] {
            self = match
        } else if message.hasSuffix("registers.registration_number") {
            self = .registrationNumberInUse
        } else if message.hasSuffix("registers.model, registers.serial_number") {
            self = .serialInUse
        } else if message.hasSuffix("organizations.account_id, organizations.inn") {
            self = .innInUse
        } else if message.hasSuffix("register_groups.account_id, register_groups.name") {
            self = .groupNameTaken
        } else {
            return nil
        }
    }
}
