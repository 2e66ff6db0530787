import CCups
import Foundation
import KioskIO

/// One HTTP connection to a cupsd (Unix socket or host:port) or to an IPP printer, with the IPP operations the
/// licence printer needs. Not thread-safe: libcups keeps per-thread error state, so every call runs on the
/// connection's own lane (`CUPSClient` does that); no C pointer leaves this file. `@unchecked Sendable` only so the
/// lane can call `interrupt()` — a shutdown(2) of the socket — from the thread that stops it.
final class CUPSConnection: @unchecked Sendable {
    private var http: OpaquePointer?
    /// The connection's socket, for `interrupt()`.
    private let socketFD: Int32
    let host: String
    let port: Int32
    /// Seconds one request may take before libcups gives up on it.
    let requestTimeout: Double

    /// Opens the connection with `httpConnect2`; `host` is a hostname or a socket path starting with "/".
    init(host: String, port: Int32, connectTimeout: Deadline, requestTimeout: Double = 10) throws(CUPSError) {
        self.host = host
        self.port = port
        self.requestTimeout = requestTimeout
        let milliseconds = max(1, connectTimeout.pollTimeoutMilliseconds)
        guard
            let connection = httpConnect2(
                host, port, nil, AF_UNSPEC, HTTP_ENCRYPTION_IF_REQUESTED, 1, milliseconds, nil)
        else {
            throw .unreachable(server: host, detail: String(cString: cupsLastErrorString()))
        }
        http = connection
        socketFD = httpGetFd(connection)
        httpSetTimeout(connection, requestTimeout, nil, nil)
    }

    deinit { if let http { httpClose(http) } }

    /// Shuts the socket down from another thread, so a request blocked on a cupsd that never answers fails at once
    /// (libcups's poll sees end-of-file). The descriptor stays open until the connection is released.
    func interrupt() {
        if socketFD >= 0 { _ = shutdown(socketFD, Int32(SHUT_RDWR)) }
    }

    /// The printer URI cupsd expects for queue `queue`.
    static func queueURI(_ queue: String) -> String { "ipp://localhost/printers/\(queue)" }

    // MARK: - Requests

    /// Sends `request` (consumed) to `resource` with `cupsDoRequest`; returns the response or throws with the IPP
    /// status and message.
    private func perform(_ request: OpaquePointer, resource: String, what: String) throws(CUPSError) -> IPPResponse {
        guard let response = cupsDoRequest(http, request, resource) else {
            let status = cupsLastError()
            if status.rawValue == IPP_STATUS_ERROR_NOT_FOUND.rawValue { throw .notFound(what) }
            throw .requestFailed(
                what: what, status: Int(status.rawValue), message: String(cString: cupsLastErrorString()))
        }
        let status = ippGetStatusCode(response)
        guard status.rawValue < 0x0100 else {
            ippDelete(response)
            if status.rawValue == IPP_STATUS_ERROR_NOT_FOUND.rawValue { throw .notFound(what) }
            throw .requestFailed(
                what: what, status: Int(status.rawValue), message: String(cString: cupsLastErrorString()))
        }
        return IPPResponse(response)
    }

    private func newRequest(_ operation: ipp_op_t, printerURI: String) throws(CUPSError) -> OpaquePointer {
        guard let request = ippNewRequest(operation) else {
            throw .requestFailed(what: "ippNewRequest", status: 0, message: "out of memory")
        }
        ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nil, printerURI)
        ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nil, cupsUser())
        return request
    }

    private func addKeywords(_ request: OpaquePointer, _ name: String, _ values: [String]) {
        var cStrings = values.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        cStrings.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { pointer in
                _ = ippAddStrings(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, name, Int32(values.count), nil, pointer)
            }
        }
    }

    /// Create-Job on `queue` with `jobName` and job options (`media`, `sides`, `print-quality`, ...); the job id.
    func createJob(queue: String, jobName: String, options: [(String, String)]) throws(CUPSError) -> Int {
        let request = try newRequest(IPP_OP_CREATE_JOB, printerURI: CUPSConnection.queueURI(queue))
        ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", nil, jobName)
        var count: Int32 = 0
        var list: UnsafeMutablePointer<cups_option_t>?
        for (name, value) in options { count = cupsAddOption(name, value, count, &list) }
        cupsEncodeOptions2(request, count, list, IPP_TAG_JOB)
        cupsFreeOptions(count, list)
        let response = try perform(request, resource: "/printers/\(queue)", what: "Create-Job on queue '\(queue)'")
        guard let id = response.integer("job-id"), id > 0 else {
            throw .requestFailed(
                what: "Create-Job on queue '\(queue)'", status: 0, message: "no job-id in the response")
        }
        return id
    }

    /// Send-Document (last document) for `jobID`, streaming `document` in chunks with `cupsStartDocument` /
    /// `cupsWriteRequestData` / `cupsFinishDocument`.
    func sendDocument(queue: String, jobID: Int, document: [UInt8], format: String, name: String) throws(CUPSError) {
        let what = "Send-Document for job \(jobID) on queue '\(queue)'"
        guard cupsStartDocument(http, queue, Int32(jobID), name, format, 1).rawValue == HTTP_STATUS_CONTINUE.rawValue
        else {
            throw .requestFailed(
                what: what, status: Int(cupsLastError().rawValue), message: String(cString: cupsLastErrorString()))
        }
        let chunk = 64 * 1024
        var offset = 0
        while offset < document.count {
            let end = min(offset + chunk, document.count)
            let status = document[offset..<end].withUnsafeBytes { raw in
                cupsWriteRequestData(http, raw.baseAddress!.assumingMemoryBound(to: CChar.self), end - offset)
            }
            guard status.rawValue == HTTP_STATUS_CONTINUE.rawValue else {
                _ = cupsFinishDocument(http, queue)
                throw .requestFailed(
                    what: what, status: Int(status.rawValue),
                    message: "stream broke after \(offset) of \(document.count) bytes")
            }
            offset = end
        }
        let finish = cupsFinishDocument(http, queue)
        guard finish.rawValue < 0x0100 else {
            throw .requestFailed(
                what: what, status: Int(finish.rawValue), message: String(cString: cupsLastErrorString()))
        }
    }

    /// Get-Job-Attributes for `jobID` (job-state, job-state-reasons, messages, job-uuid, times).
    func jobStatus(jobID: Int) throws(CUPSError) -> CUPSJobStatus {
        let request = try newRequest(IPP_OP_GET_JOB_ATTRIBUTES, printerURI: "ipp://localhost/")
        ippAddInteger(request, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", Int32(jobID))
        addKeywords(request, "requested-attributes", CUPSJobStatus.requestedAttributes)
        let response = try perform(request, resource: "/jobs/", what: "Get-Job-Attributes for job \(jobID)")
        return CUPSJobStatus(response: response, jobID: jobID)
    }

    /// Get-Printer-Attributes for queue `queue` at cupsd, or for the printer at `printerURI` when talking to a
    /// printer directly.
    func printerStatus(queue: String? = nil, printerURI: String? = nil, resource: String = "/") throws(CUPSError)
        -> CUPSPrinterStatus
    {
        let uri = printerURI ?? CUPSConnection.queueURI(queue ?? "")
        let request = try newRequest(IPP_OP_GET_PRINTER_ATTRIBUTES, printerURI: uri)
        addKeywords(request, "requested-attributes", CUPSPrinterStatus.requestedAttributes)
        let response = try perform(
            request, resource: queue.map { "/printers/\($0)" } ?? resource,
            what: "Get-Printer-Attributes for \(queue.map { "queue '\($0)'" } ?? uri)")
        return CUPSPrinterStatus(response: response)
    }

    /// Get-Jobs: every job (`which-jobs` all) of `queue` at cupsd, or of the printer at `printerURI`.
    func jobs(queue: String? = nil, printerURI: String? = nil, resource: String = "/", which: String = "all")
        throws(CUPSError) -> [CUPSJobStatus]
    {
        let uri = printerURI ?? CUPSConnection.queueURI(queue ?? "")
        let request = try newRequest(IPP_OP_GET_JOBS, printerURI: uri)
        ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", nil, which)
        addKeywords(request, "requested-attributes", CUPSJobStatus.requestedAttributes + ["job-id"])
        let response = try perform(
            request, resource: queue.map { "/printers/\($0)" } ?? resource,
            what: "Get-Jobs for \(queue.map { "queue '\($0)'" } ?? uri)")
        return response.jobGroups().compactMap { group in
            guard let id = group.integer("job-id") else { return nil }
            return CUPSJobStatus(response: group, jobID: id)
        }
    }

    /// Cancel-Job for `jobID`.
    func cancel(jobID: Int) throws(CUPSError) {
        let request = try newRequest(IPP_OP_CANCEL_JOB, printerURI: "ipp://localhost/")
        ippAddInteger(request, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", Int32(jobID))
        _ = try perform(request, resource: "/jobs/", what: "Cancel-Job for job \(jobID)")
    }

    /// Splits an `ipp://host:port/resource` URI with `httpSeparateURI`.
    static func separate(_ uri: String) -> (scheme: String, host: String, port: Int32, resource: String)? {
        var scheme = [CChar](repeating: 0, count: 32)
        var user = [CChar](repeating: 0, count: 256)
        var host = [CChar](repeating: 0, count: 256)
        var resource = [CChar](repeating: 0, count: 1024)
        var port: Int32 = 0
        let status = httpSeparateURI(
            HTTP_URI_CODING_ALL, uri, &scheme, 32, &user, 256, &host, 256, &port, &resource, 1024)
        guard status.rawValue >= HTTP_URI_STATUS_OK.rawValue else { return nil }
        func text(_ buffer: [CChar]) -> String {
            String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return (text(scheme), text(host), port, text(resource))
    }
}

/// A parsed IPP response (or one attribute group of it), owned and freed here.
final class IPPResponse {
    /// Attributes copied out as name → values; integers and enums as numbers, everything else as text.
    private(set) var integers: [String: [Int]] = [:]
    private(set) var strings: [String: [String]] = [:]
    private var groups: [IPPResponse] = []

    init(_ message: OpaquePointer) {
        var current: IPPResponse?
        var attribute = ippFirstAttribute(message)
        var lastGroup = IPP_TAG_ZERO
        var collected: [IPPResponse] = []
        while let attr = attribute {
            let group = ippGetGroupTag(attr)
            if let name = ippGetName(attr) {
                let key = String(cString: name)
                if group == IPP_TAG_JOB {
                    if current == nil || lastGroup != IPP_TAG_JOB {
                        let group = IPPResponse(empty: ())
                        collected.append(group)
                        current = group
                    }
                    current?.collect(attr, key: key)
                } else {
                    collect(attr, key: key)
                }
            } else {
                current = nil  // a separator between groups
            }
            lastGroup = group
            attribute = ippNextAttribute(message)
        }
        groups = collected
        // A single-job response keeps its job attributes at the top level too.
        if collected.count == 1 {
            for (key, value) in collected[0].integers { integers[key] = value }
            for (key, value) in collected[0].strings { strings[key] = value }
        }
        ippDelete(message)
    }

    private init(empty: ()) {}

    private func collect(_ attr: OpaquePointer, key: String) {
        let tag = ippGetValueTag(attr)
        let count = ippGetCount(attr)
        // A repeated attribute (an IPP printer may list the client's job-uuid next to its own) keeps every value.
        if tag == IPP_TAG_INTEGER || tag == IPP_TAG_ENUM {
            integers[key, default: []] += (0..<count).map { Int(ippGetInteger(attr, $0)) }
        } else if tag == IPP_TAG_BOOLEAN {
            integers[key, default: []] += (0..<count).map { Int(ippGetBoolean(attr, $0)) }
        } else {
            strings[key, default: []] += (0..<count).compactMap { index in
                ippGetString(attr, index, nil).map { String(cString: $0) }
            }
        }
    }

    func integer(_ name: String) -> Int? { integers[name]?.first }
    func string(_ name: String) -> String? { strings[name]?.first }
    func strings(_ name: String) -> [String] { strings[name] ?? [] }
    func jobGroups() -> [IPPResponse] { groups }
}
