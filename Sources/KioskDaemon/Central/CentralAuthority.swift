import Foundation
import KioskCore
import KioskHTTP
import KioskIO

/// `central.registration`: the central registration service that approves applications.
public struct RegistrationConfig: Sendable, Hashable {
    public var url: HTTPSURL
    public var tokenFile: String
    public var verification: PeerVerification
    /// One application's deadline (connect, TLS, decision); past it the application is `unavailable`.
    public var timeout: Duration

    public init(url: HTTPSURL, tokenFile: String, verification: PeerVerification, timeout: Duration = .seconds(20)) {
        self.url = url
        self.tokenFile = tokenFile
        self.verification = verification
        self.timeout = timeout
    }

    init(_ reader: ConfigReader) throws(ConfigError) {
        let endpoint = try CentreEndpoint(reader)
        url = endpoint.url
        tokenFile = endpoint.tokenFile
        verification = endpoint.verification
        timeout = .seconds(try reader.integer("timeoutSeconds", in: 1...120, default: 20))
    }
}

/// Where the approvals a registration authority gave are kept: stored before they are used, and returned again on a
/// repeat request for the same transaction. The store has this as `authorityApproval(transactionID:)` and
/// `recordAuthorityApproval(transactionID:licence:)` (first approval written wins).
public protocol ApprovalRecords: Sendable {
    func approval(transactionID: String) async throws -> BusinessLicence?
    /// Stores `licence` unless an approval is stored already; returns the one that stands.
    func record(transactionID: String, licence: BusinessLicence) async throws -> BusinessLicence
}

/// The central registration service as the flow's `RegistrationAuthority` (`authority.mode: "central"`).
///
/// `POST` of the application as JSON (`transactionID`, on which the centre de-duplicates, `date`, `applicant`,
/// `form`, `signature`: `{"sha256", "mediaType": "image/png", "image": base64}`, the image when the screen drew it);
/// the answer is `200 {"decision": "approved", "licence": {…licence JSON keys…}}` or
/// `{"decision": "rejected", "reasons": [{"field": …, "message": …}]}`. Timeouts, network errors, an untrusted
/// peer, 5xx and anything unexpected are `unavailable` (the flow's hand-off). An approval is stored before it is
/// returned; a stored one is returned without asking the centre again.
public final class CentralAuthority: RegistrationAuthority {
    private let config: RegistrationConfig
    private let token: String
    private let records: any ApprovalRecords

    public init(config: RegistrationConfig, records: any ApprovalRecords) throws {
        self.config = config
        token = try TokenFile.read(config.tokenFile, key: "central.registration.tokenFile")
        self.records = records
    }

    public func approve(_ request: ApprovalRequest) async -> ApprovalOutcome {
        do {
            if let stored = try await records.approval(transactionID: request.transactionID) {
                return .approved(stored)
            }
        } catch {
            return .unavailable(reason: "cannot read the decisions already given: \(error)")
        }
        let body = Self.applicationJSON(request)
        let (config, token) = (config, token)
        let result: Result<HTTPClientResponse, HTTPClientError> = await onOwnThread("central-registration") {
            Result { () throws(HTTPClientError) -> HTTPClientResponse in
                try HTTPClient.send(
                    .post, config.url, contentType: "application/json", bearerToken: token, body: body,
                    verification: config.verification, deadline: .after(config.timeout))
            }
        }
        let response: HTTPClientResponse
        switch result {
        case .success(let answer): response = answer
        case .failure(let error): return .unavailable(reason: "the registration service: \(error.description)")
        }
        switch Self.decision(status: response.status, body: response.body) {
        case .approved(let licence):
            do {
                return .approved(try await records.record(transactionID: request.transactionID, licence: licence))
            } catch {
                return .unavailable(reason: "the approval could not be stored: \(error)")
            }
        case let other: return other
        }
    }

    /// The centre's answer as an outcome (pure).
    static func decision(status: Int, body: [UInt8]) -> ApprovalOutcome {
        guard status == 200 else {
            return .unavailable(reason: "the registration service answered HTTP \(status)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let decision = object["decision"] as? String
        else { return .unavailable(reason: "the registration service's answer is not a decision") }
        switch decision {
        case "approved":
            guard let licence = object["licence"], JSONSerialization.isValidJSONObject(licence),
                let data = try? JSONSerialization.data(withJSONObject: licence),
                let decoded = try? JSONDecoder().decode(BusinessLicence.self, from: data),
                case .success = CreditCodeValidator.validate(decoded.creditCode)
            else { return .unavailable(reason: "the registration service approved without a valid licence") }
            return .approved(decoded)
        case "rejected":
            let reasons = (object["reasons"] as? [[String: Any]] ?? []).compactMap { reason -> String? in
                guard let message = reason["message"] as? String else { return nil }
                return (reason["field"] as? String).map { "\($0): \(message)" } ?? message
            }
            return .rejected(reasons: reasons.isEmpty ? ["the registration service rejected the application"] : reasons)
        default:
            return .unavailable(reason: "the registration service's decision '\(decision.prefix(40))' is not known")
        }
    }

    /// The application as the centre registers it (personal data in full: this travels only over verified TLS).
    static func applicationJSON(_ request: ApprovalRequest) -> [UInt8] {
        let identity = request.identity
        var applicant: [String: Any] = [
            "cardType": identity.cardType.rawValue, "name": identity.name.unmasked,
            "idNumber": identity.idNumber.unmasked, "gender": identity.gender.rawValue,
            "birthDate": identity.birthDate.description,
        ]
        if let address = identity.address { applicant["address"] = address.unmasked }
        let form = request.form
        var fields: [String: Any] = [
            "kind": form.kind.rawValue, "name": form.name, "entityType": form.entityType,
            "representative": form.representative.unmasked, "address": form.address.unmasked,
            "businessScope": form.businessScope, "phone": form.phone.unmasked,
        ]
        if let capital = form.registeredCapitalWan {
            fields["registeredCapitalWan"] = NSDecimalNumber(decimal: capital)
        }
        var object: [String: Any] = [
            "transactionID": request.transactionID, "date": request.date.description, "applicant": applicant,
            "form": fields,
        ]
        if let signature = request.signatureSHA256 {
            var entry: [String: Any] = ["sha256": signature]
            if let image = request.signatureImage, image.sha256 == signature.lowercased() {
                entry["mediaType"] = SignatureImage.mediaType
                entry["image"] = image.base64
            }
            object["signature"] = entry
        }
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }
}
