/// The fields of a register to add (validated by the caller).
public struct NewRegister: Sendable, Hashable {
    public var organizationID: Int64
    public var groupID: Int64?
    public var model: String
    public var serialNumber: String
    public var registrationNumber: String
    public var fiscalDriveNumber: String
    public var name: String
    public var address: String

    public init(
        organizationID: Int64, groupID: Int64?, model: String, serialNumber: String, registrationNumber: String,
        fiscalDriveNumber: String, name: String, address: String
    ) {
        self.organizationID = organizationID
        self.groupID = groupID
        self.model = model
        self.serialNumber = serialNumber
        self.registrationNumber = registrationNumber
        self.fiscalDriveNumber = fiscalDriveNumber
        self.name = name
        self.address = address
    }
}
