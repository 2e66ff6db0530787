/// The page's files, embedded in the binary by SwiftPM (`embedInCode` in Package.swift): nothing is read from disk
/// or fetched at run time (docs/ui-api.md, "Static assets").
enum UIAssets {
    struct Asset: Sendable {
        let contentType: String
        let bytes: [UInt8]
    }

    /// By request path.
    static let byPath: [String: Asset] = [
        "/": Asset(contentType: "text/html; charset=utf-8", bytes: PackageResources.index_html),
        "/kiosk.css": Asset(contentType: "text/css; charset=utf-8", bytes: PackageResources.kiosk_css),
        "/kiosk.js": Asset(contentType: "text/javascript; charset=utf-8", bytes: PackageResources.kiosk_js),
        "/strings.js": Asset(contentType: "text/javascript; charset=utf-8", bytes: PackageResources.strings_js),
    ]
}
