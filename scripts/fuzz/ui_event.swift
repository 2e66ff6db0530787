// libFuzzer target: the touch UI's event parser and its signature and rating rules (Sources/KioskDaemon/UI). Any
// body must parse or be refused — never trap — with a refusal naming a field only as a path of keys; what parses
// must survive a canonical re-encoding, and a signature the rules take is a PNG of at most 256 KiB.
// fuzz-sources: Sources/KioskDaemon/UI/UIEventRequest.swift Sources/KioskDaemon/UI/UIInputChecks.swift

import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let request: UIEventRequest
    switch UIEventRequest.parse(bytes) {
    case .failure(let problem):
        if let field = problem.field {
            precondition(!field.isEmpty && field.count <= 100, "a refusal names a short field path: \(field)")
        }
        return 0
    case .success(let parsed):
        request = parsed
    }
    switch request {
    case .sign(let signature):
        if case .success(let png) = SignatureCheck.check(signature) {
            precondition(png.count <= SignatureCheck.maximumImageBytes, "an accepted signature is at most 256 KiB")
            precondition(SignatureCheck.isPNG(png), "an accepted signature is a PNG")
            precondition(SignatureCheck.inkProblem(signature.ink) == nil, "accepted ink is not trivial")
        }
    case .rate(let rating):
        precondition((1...5).contains(rating.grade), "grade out of range: \(rating.grade)")
        precondition(Set(rating.reasons).count == rating.reasons.count, "reasons repeat")
        _ = RatingCheck.issues(rating)
    default:
        break
    }
    let canonical = encode(request)
    guard case .success(let again) = UIEventRequest.parse(Array(canonical.utf8)) else {
        preconditionFailure("the canonical encoding did not parse: \(canonical)")
    }
    precondition(again == request, "round trip changed the event: \(canonical)")
    return 0
}

private func text(_ value: String) -> String {
    String(decoding: (try? JSONEncoder().encode(value)) ?? Data("\"\"".utf8), as: UTF8.self)
}

private func encode(_ request: UIEventRequest) -> String {
    switch request {
    case .start(let elderly): return "{\"event\":\"start\",\"elderly\":\(elderly)}"
    case .confirmIdentity: return "{\"event\":\"confirmIdentity\"}"
    case .captureFace: return "{\"event\":\"captureFace\"}"
    case .skipRating: return "{\"event\":\"skipRating\"}"
    case .cancel: return "{\"event\":\"cancel\"}"
    case .requestHandOff: return "{\"event\":\"requestHandOff\"}"
    case .stillHere: return "{\"event\":\"stillHere\"}"
    case .callStaff: return "{\"event\":\"callStaff\"}"
    case .confirm(let accepted): return "{\"event\":\"confirm\",\"declarationAccepted\":\(accepted)}"
    case .submitForm(let form):
        let capital = form.registeredCapitalWan.map { "\($0)" } ?? "null"
        return "{\"event\":\"submitForm\",\"form\":{\"kind\":\(text(form.kind.rawValue)),\"name\":\(text(form.name)),"
            + "\"entityType\":\(text(form.entityType)),\"representative\":\(text(form.representative)),"
            + "\"registeredCapitalWan\":\(capital),\"address\":\(text(form.address)),"
            + "\"businessScope\":\(text(form.businessScope)),\"phone\":\(text(form.phone))}}"
    case .sign(let signature):
        let ink = signature.ink
        return "{\"event\":\"sign\",\"image\":\(text(signature.dataURL)),\"ink\":{\"points\":\(ink.points),"
            + "\"boundsWidth\":\(ink.boundsWidth),\"boundsHeight\":\(ink.boundsHeight),"
            + "\"canvasWidth\":\(ink.canvasWidth),\"canvasHeight\":\(ink.canvasHeight)}}"
    case .rate(let rating):
        var body = "{\"event\":\"rate\",\"grade\":\(rating.grade)"
        if rating.reasonsGiven {
            body += ",\"reasons\":[" + rating.reasons.map { text($0.rawValue) }.joined(separator: ",") + "]"
        }
        if let consent = rating.followUpConsent { body += ",\"followUpConsent\":\(consent)" }
        return body + "}"
    }
}
