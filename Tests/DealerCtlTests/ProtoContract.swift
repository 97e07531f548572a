import Foundation

/// The services, methods and message fields declared in proto/, read from the
/// .proto files themselves (so a method added there without a dealerctl
/// subcommand fails a test even before it is generated).
struct ProtoContract {
    /// "/dealer.v1.DealerService/AcceptRequest" for every rpc.
    var methodPaths: Set<String> = []
    /// "common.v1.ServiceRequest" → its field names in order.
    var messageFields: [String: [String]] = [:]

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("proto")

    static func load() throws -> ProtoContract {
        var contract = ProtoContract()
        let files = FileManager.default.enumerator(atPath: directory.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".proto") } ?? []
        for file in files {
            try contract.read(String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8))
        }
        return contract
    }

    private mutating func read(_ text: String) throws {
        var package = ""
        var scopes: [(kind: String, name: String)] = []
        let field = try Regex(#"^(?:repeated\s+|optional\s+)?[\w.]+\s+(\w+)\s*=\s*\d+"#)
        let opening = try Regex(#"^(message|service|enum|oneof)\s+(\w+)\s*\{"#)
        let rpc = try Regex(#"^rpc\s+(\w+)\s*\("#)
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                .trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("package ") {
                package = line.dropFirst("package ".count).trimmingCharacters(in: CharacterSet(charactersIn: "; "))
            } else if let match = line.firstMatch(of: opening) {
                scopes.append((String(match.output[1].substring!), String(match.output[2].substring!)))
                if scopes.last!.kind == "message" { messageFields[fullName(package, scopes), default: []] += [] }
            } else if let match = line.firstMatch(of: rpc), let service = scopes.last, service.kind == "service" {
                methodPaths.insert("/\(package).\(service.name)/\(match.output[1].substring!)")
            } else if let match = line.firstMatch(of: field), let scope = scopes.last, scope.kind == "message" || scope.kind == "oneof" {
                messageFields[fullName(package, scopes), default: []].append(String(match.output[1].substring!))
            }
            for _ in line.filter({ $0 == "}" }) where !scopes.isEmpty { scopes.removeLast() }
        }
    }

    private func fullName(_ package: String, _ scopes: [(kind: String, name: String)]) -> String {
        ([package] + scopes.filter { $0.kind == "message" }.map(\.name)).joined(separator: ".")
    }
}
