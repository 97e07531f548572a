/// The fields of a register to change; nil keeps the current value.
public struct RegisterUpdate: Sendable, Hashable {
    public var name: String?
    public var address: String?
    public var organizationID: Int64?
    public var fiscalDriveNumber: String?

    public init(name: String? = nil, address: String? = nil, organizationID: Int64? = nil, fiscalDriveNumber: String? = nil) {
        self.name = name
        self.address = address
        self.organizationID = organizationID
        self.fiscalDriveNumber = fiscalDriveNumber
    }
}
