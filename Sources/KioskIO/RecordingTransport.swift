import Foundation

/// A `ByteTransport` that passes every call through to the device and, while a `CaptureRecorder` is attached,
/// records the bytes of each write and read with a monotonic timestamp (`kioskctl capture`,
/// docs/device-capture.md). Detached, it costs one lock per call.
public final class RecordingTransport: ByteTransport, @unchecked Sendable {
    public let inner: any ByteTransport
    private let lock = NSLock()
    private var recorder: CaptureRecorder?

    public init(_ inner: any ByteTransport, recorder: CaptureRecorder? = nil) {
        self.inner = inner
        self.recorder = recorder
    }

    /// Starts (or, with nil, stops) recording into `recorder`.
    public func attach(_ recorder: CaptureRecorder?) { lock.withLock { self.recorder = recorder } }

    private var current: CaptureRecorder? { lock.withLock { recorder } }

    public func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError) {
        // Recorded before the write: a reply can arrive before `write` returns, and the trace must show the request
        // first.
        current?.record(bytes, toDevice: true)
        try inner.write(bytes, deadline: deadline)
    }

    public func read(upTo maxCount: Int, deadline: Deadline) throws(TransportError) -> [UInt8] {
        let bytes = try inner.read(upTo: maxCount, deadline: deadline)
        current?.record(bytes, toDevice: false)
        return bytes
    }

    public func discardInput() throws(TransportError) { try inner.discardInput() }

    public func close() { inner.close() }
}

/// A bounded, thread-safe sink for `RecordingTransport`: keeps at most `byteLimit` bytes and `chunkLimit` chunks,
/// then counts what it dropped, so a capture can never grow the daemon's memory without end.
public final class CaptureRecorder: @unchecked Sendable {
    public struct Chunk: Sendable, Hashable {
        /// Time since the recorder was created.
        public let offset: Duration
        public let toDevice: Bool
        public let bytes: [UInt8]
    }

    public let byteLimit: Int
    public let chunkLimit: Int
    private let started = ContinuousClock.now
    private let lock = NSLock()
    private var stored: [Chunk] = []
    private var storedBytes = 0
    private var dropped = 0

    public init(byteLimit: Int = 160 * 1024, chunkLimit: Int = 6_000) {
        self.byteLimit = byteLimit
        self.chunkLimit = chunkLimit
    }

    public func record(_ bytes: [UInt8], toDevice: Bool) {
        guard !bytes.isEmpty else { return }
        let offset = ContinuousClock.now - started
        lock.withLock {
            guard dropped == 0, storedBytes + bytes.count <= byteLimit, stored.count < chunkLimit else {
                dropped += bytes.count
                return
            }
            stored.append(Chunk(offset: offset, toDevice: toDevice, bytes: bytes))
            storedBytes += bytes.count
        }
    }

    /// What was recorded, in order.
    public var chunks: [Chunk] { lock.withLock { stored } }
    /// Bytes not recorded because the limits were reached (everything after the first one dropped).
    public var droppedBytes: Int { lock.withLock { dropped } }
}
