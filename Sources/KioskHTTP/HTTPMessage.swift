/// The request methods libcups' `httpReadRequest` knows; anything else is answered 501 before a handler sees it.
public enum HTTPMethod: String, Sendable, Hashable {
    case get = "GET"
    case head = "HEAD"
    case post = "POST"
    case put = "PUT"
    case delete = "DELETE"
    case options = "OPTIONS"
    case trace = "TRACE"
    case connect = "CONNECT"
}

/// One request as the handler sees it: already bounded (head, body) and with a parsed target. libcups keeps only the
/// header fields it knows (`http_field_t`); of those the handler gets the ones an API needs.
public struct HTTPRequest: Sendable {
    public let method: HTTPMethod
    public let target: RequestTarget
    /// The target as sent on the request line.
    public let rawTarget: String
    public let host: String?
    public let origin: String?
    public let contentType: String?
    /// The whole `Authorization` value (e.g. `Bearer …`). Never log it.
    public let authorization: String?
    public let body: [UInt8]
    /// The client's address as text (`127.0.0.1`), for per-peer limits.
    public let peerAddress: String
    /// Whether it came over TLS.
    public let isEncrypted: Bool

    public init(
        method: HTTPMethod, target: RequestTarget, rawTarget: String, host: String? = nil, origin: String? = nil,
        contentType: String? = nil, authorization: String? = nil, body: [UInt8] = [], peerAddress: String = "",
        isEncrypted: Bool = false
    ) {
        self.method = method
        self.target = target
        self.rawTarget = rawTarget
        self.host = host
        self.origin = origin
        self.contentType = contentType
        self.authorization = authorization
        self.body = body
        self.peerAddress = peerAddress
        self.isEncrypted = isEncrypted
    }
}

/// One response. `Content-Length`, `Date`, `Connection` and `Server` are the server's business; a handler sets the
/// status, the type, the body and, from the few fields libcups can send, those in `Field`.
public struct HTTPResponse: Sendable {
    /// Response header fields a handler may set. libcups sends only the fields of its fixed list; `cacheControl` is
    /// not on it and is sent as a line of its own after the `Server` field (see `HTTPServer`).
    public enum Field: Sendable, Hashable, CaseIterable {
        case retryAfter
        case wwwAuthenticate
        case location
        case allow
        case lastModified
        case accessControlAllowOrigin
        /// Only the values of `CacheControl`: a free value could split the head.
        case cacheControl
    }

    /// The `Cache-Control` values a handler may send.
    public enum CacheControl: String, Sendable, Hashable {
        /// Nothing of the response may be kept by any cache (a citizen's face in the live preview).
        case noStore = "no-store"
    }

    public var status: Int
    public var contentType: String?
    public var fields: [Field: String]
    public var body: [UInt8]
    /// Fault simulation only: send the head and this many bytes of the body, then reset the connection (RST, with
    /// `SO_LINGER` 0) — a connection reset mid-response. nil = the whole response.
    public var resetAfterBodyBytes: Int?
    /// A body produced over time instead of `body` (sent chunked; the connection closes after it).
    public var stream: (any HTTPResponseStream)?

    /// Adds `Cache-Control` with one of the values the server can send.
    public func cacheControl(_ value: CacheControl) -> HTTPResponse {
        var copy = self
        copy.fields[.cacheControl] = value.rawValue
        return copy
    }

    public init(status: Int, contentType: String? = nil, fields: [Field: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.contentType = contentType
        self.fields = fields
        self.body = body
    }

    /// `status` with a body that `stream` produces over time (e.g. `text/event-stream`).
    public static func streaming(
        _ stream: any HTTPResponseStream, contentType: String, status: Int = 200, fields: [Field: String] = [:]
    ) -> HTTPResponse {
        var response = HTTPResponse(status: status, contentType: contentType, fields: fields)
        response.stream = stream
        return response
    }

    /// `200 application/json` with `json` as the body.
    public static func json(_ json: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: Array(json.utf8))
    }

    /// An RFC 9457 problem document (`application/problem+json`) with `type` `about:blank`, the status's usual
    /// title, and `detail`. Keep personal data and secrets out of `detail`.
    public static func problem(status: Int, detail: String, fields: [Field: String] = [:]) -> HTTPResponse {
        let body =
            "{\"type\":\"about:blank\",\"title\":\(jsonString(reasonPhrase(status))),\"status\":\(status),"
            + "\"detail\":\(jsonString(detail))}"
        return HTTPResponse(
            status: status, contentType: "application/problem+json", fields: fields, body: Array(body.utf8))
    }

    /// The usual reason phrase of a status code.
    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 421: "Misdirected Request"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status \(status)"
        }
    }

    /// `text` as a JSON string literal (RFC 8259 escapes; control characters as \u00XX).
    public static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// What a server calls for each request. It runs on the connection's own thread: it may block briefly (a store
/// read), never for long.
public typealias HTTPHandler = @Sendable (HTTPRequest) -> HTTPResponse
