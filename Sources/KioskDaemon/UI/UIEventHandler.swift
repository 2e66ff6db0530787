import Foundation
import KioskCore
import KioskHTTP

/// `POST /ui/v1/events`: parse, check, map onto the flow, send, and answer with the state after it (docs/ui-api.md,
/// "Events"). Runs on a connection thread (it blocks on the flow through `runBlocking`).
struct UIEventHandler {
    let api: UIAPI

    func handle(_ body: [UInt8]) -> HTTPResponse {
        let request: UIEventRequest
        switch UIEventRequest.parse(body) {
        case .success(let parsed): request = parsed
        case .failure(let problem): return .problem(status: 400, detail: problem.description)
        }
        let event: FlowEvent
        var applied: () -> Void = {}
        switch request {
        case .start(let elderly):
            if let outOfService = api.hub.outOfService {
                return refusal("the terminal is out of service (\(outOfService.reasons.joined(separator: ", ")))")
            }
            let start = UIEventMapping.start(kioskID: api.kioskID, at: api.clock(), timeZone: api.timeZone)
            api.hub.starting(start.transactionID, elderly: elderly)
            event = start.event
        case .confirmIdentity: event = .confirmIdentity
        case .submitForm(let fields): event = .submitForm(UIEventMapping.form(fields))
        case .sign(let signature):
            switch SignatureCheck.check(signature) {
            case .success(let png): event = UIEventMapping.sign(png: png)
            case .failure(.malformed(let problem)): return .problem(status: 400, detail: problem.description)
            case .failure(.refused(let issue)): return validation([issue])
            }
        case .confirm(let accepted): event = .confirm(declarationAccepted: accepted)
        case .rate(let rating):
            let issues = RatingCheck.issues(rating)
            guard issues.isEmpty else { return validation(issues) }
            event = UIEventMapping.rate(rating)
            applied = { api.hub.rated(rating.grade) }
        case .skipRating: event = .skipRating
        case .cancel: event = .cancel
        case .requestHandOff: event = .requestHandOff
        case .stillHere: event = .citizenActive
        case .callStaff:
            switch UIEventMapping.callStaff() {
            case .success(let mapped): event = mapped
            case .failure(let notWired): return refusal(notWired.detail)
            }
        }

        let refusalsBefore = api.hub.refusals.count
        let runner = api.runner
        let answer = runBlocking { () -> Result<FlowTransition.Disposition, FlowRunner.RequestError> in
            do throws(FlowRunner.RequestError) {
                return .success(try await runner.send(event, deadline: UIAPI.flowDeadline))
            } catch {
                return .failure(error)
            }
        }
        let disposition: FlowTransition.Disposition
        switch answer {
        case .success(let answered): disposition = answered
        case .failure(let problem): return .problem(status: 503, detail: problem.description)
        }
        // The answer comes once the new state is durable, maybe before its other effects: wait for the feed to bring
        // the end of this transition (odd revisions are mid-transition), so the state answered is the one after it.
        let revision = runBlocking { await runner.uiView.revision }
        _ = api.hub.waitForFeed(revision: revision + (revision & 1), timeout: .seconds(5))
        api.logger.debug("ui", "event \(event.name): \(disposition)")
        switch disposition {
        case .notApplicable(let why):
            return refusal(why)
        case .applied:
            applied()
            let refusals = api.hub.refusals
            if refusals.count > refusalsBefore { return validation(refusals.last) }
            return .json("{\"ok\":true,\"state\":\(api.hub.state().json())}")
        }
    }

    private func refusal(_ detail: String) -> HTTPResponse {
        .json(
            "{\"ok\":false,\"refusal\":\"notApplicable\",\"detail\":\(HTTPResponse.jsonString(detail)),"
                + "\"state\":\(api.hub.state().json())}", status: 409)
    }

    private func validation(_ issues: [UIIssue]) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let list = (try? encoder.encode(issues)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        return .json(
            "{\"ok\":false,\"refusal\":\"validation\",\"issues\":\(list),\"state\":\(api.hub.state().json())}",
            status: 422)
    }
}
