import DealerProtocol
import Foundation
import Testing

@testable import dealerctl

@Suite("--json output: proto field names")
struct ProtoJSONTests {
    @Test func everyMessageOfTheServicesUsesTheProtoFieldNamesInOrder() throws {
        let contract = try ProtoContract.load()
        var checked = 0
        for type in AllProtoMessages.types where !type.protoMessageName.hasPrefix("rpc.") {
            let fields = try #require(contract.messageFields[type.protoMessageName], "\(type.protoMessageName) not in proto/")
            guard case .object(let keys) = ProtoJSON.value(of: type.init()) else {
                Issue.record("\(type.protoMessageName) is not a JSON object")
                continue
            }
            #expect(keys.map(\.key) == fields, "\(type.protoMessageName)")
            checked += 1
        }
        #expect(checked > 100)
    }

    @Test func valuesKeepTheirProtoForms() throws {
        let request = Common_V1_ServiceRequest(
            id: 7, clientAccountID: 9_007_199_254_740_993, clientAccountName: "Quote \" and\nline", status: .pending, blocked: true)
        let response = Client_V1_SubmitRequestResponse(request: request)
        let document = ProtoJSON.document(response)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
        let object = try #require(parsed["request"] as? [String: Any])
        #expect(object["id"] as? Int == 7)
        #expect(object["client_account_id"] as? Int == 9_007_199_254_740_993)
        #expect(object["client_account_name"] as? String == "Quote \" and\nline")
        #expect(object["status"] as? String == "REQUEST_STATUS_PENDING")
        #expect(object["blocked"] as? Bool == true)
        #expect(object["message"] as? String == "")
        #expect(ProtoJSON.document(Client_V1_GetServiceStatusResponse()) == "{\n  \"dealer\": null\n}")
        let moved = try #require(
            try JSONSerialization.jsonObject(
                with: Data(ProtoJSON.document(Registers_V1_MoveRegistersToGroupResponse(unchangedRegisterIds: [4])).utf8))
                as? [String: Any])
        #expect((moved["moved_register_ids"] as? [Any])?.isEmpty == true)
        #expect(moved["unchanged_register_ids"] as? [Int] == [4])
        #expect(ProtoJSON.document(Dealer_V1_TransferRegistersRequest(registerIds: [1, 2])).contains("\"register_ids\": [\n    1,\n    2\n  ]"))
    }

    @Test func swiftNamesMapBackToProtoNames() {
        #expect(ProtoJSON.protoFieldName("accountID") == "account_id")
        #expect(ProtoJSON.protoFieldName("id") == "id")
        #expect(ProtoJSON.protoFieldName("registerIds") == "register_ids")
        #expect(ProtoJSON.protoFieldName("dealerAccountID") == "dealer_account_id")
        #expect(ProtoJSON.protoFieldName("servedSinceMs") == "served_since_ms")
    }
}
