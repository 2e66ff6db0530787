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
        let sent: UIEventMapping.Request
        var applied: () -> Void = {}
        switch request {
        case .start(let elderly):
            if let outOfService = api.hub.outOfService {
                return refusal("the terminal is out of service (\(outOfService.reasons.joined(separator: ", ")))")
            }
            let start = UIEventMapping.start(
                kioskID: api.kioskID, elderly: elderly, at: api.clock(), timeZone: api.timeZone)
            sent = .event(start.event)
        case .confirmIdentity: sent = .event(.confirmIdentity)
        case .captureFace: sent = .event(.captureFace)
        case .submitForm(let fields): sent = .event(.submitForm(UIEventMapping.form(fields)))
        case .sign(let signature):
            switch SignatureCheck.check(signature) {
            case .success(let png): sent = .signature(png: png)
            case .failure(.malformed(let problem)): return .problem(status: 400, detail: problem.description)
            case .failure(.refused(let issue)): return validation([issue])
            }
        case .confirm(let accepted): sent = .event(.confirm(declarationAccepted: accepted))
        case .rate(let rating):
            let issues = RatingCheck.issues(rating)
            guard issues.isEmpty, let mapped = UIEventMapping.rating(rating) else { return validation(issues) }
            sent = .event(.rate(mapped))
            applied = { api.hub.rated(rating.grade) }
        case .skipRating: sent = .event(.skipRating)
        case .cancel: sent = .event(.cancel)
        case .requestHandOff: sent = .event(.requestHandOff)
        case .stillHere: sent = .event(.citizenActive)
        case .callStaff: sent = .event(.callStaff)
        }

        let refusalsBefore = api.hub.refusals.count
        let runner = api.runner
        let answer = runBlocking { () -> Result<FlowTransition.Disposition, SendFailure> in
            switch sent {
            case .event(let event):
                do throws(FlowRunner.RequestError) {
                    return .success(try await runner.send(event, deadline: UIAPI.flowDeadline))
                } catch {
                    return .failure(.unavailable(error.description))
                }
            case .signature(let png):
                do throws(FlowRunner.SignError) {
                    return .success(try await runner.sign(png: png, deadline: UIAPI.flowDeadline))
                } catch {
                    if case .refused(let why) = error { return .failure(.signatureRefused(why.description)) }
                    return .failure(.unavailable(error.description))
                }
            }
        }
        let disposition: FlowTransition.Disposition
        switch answer {
        case .success(let answered): disposition = answered
        case .failure(.unavailable(let detail)): return .problem(status: 503, detail: detail)
        case .failure(.signatureRefused(let detail)):
            return validation([
                UIIssue(field: "signature", code: "refused", message: "签名图像无效，请重签", messageEnglish: detail)
            ])
        }
        // The answer comes once the new state is durable, maybe before its other effects: wait for the feed to bring
        // the end of this transition (odd revisions are mid-transition), so the state answered is the one after it.
        let revision = runBlocking { await runner.uiView.revision }
        _ = api.hub.waitForFeed(revision: revision + (revision & 1), timeout: .seconds(5))
        api.logger.debug("ui", "event \(sent.name): \(disposition)")
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

    /// Why the runner gave no disposition.
    private enum SendFailure: Error {
        /// kioskd is stopping, the flow did not answer in time, or the image could not be kept: 503.
        case unavailable(String)
        /// The image is not a PNG or too large (the page's own checks passed): 422 on the signature.
        case signatureRefused(String)
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
