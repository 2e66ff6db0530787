import CKioskSupport
import Foundation
import Glibc
import KioskProtocols

/// The format a camera streams in after VIDIOC_S_FMT: the driver may adjust the size we asked for, and we take what
/// it sets (docs/camera-v4l2.md).
public struct V4L2StreamFormat: Sendable, Hashable {
    public let fourCC: FourCC
    public let width: Int
    public let height: Int
    public let bytesPerLine: Int
    public let requestedWidth: Int
    public let requestedHeight: Int
    /// YUYV samples in full range (else V4L2's default for YUV, limited).
    public let fullRange: Bool

    public var driverAdjustedSize: Bool { width != requestedWidth || height != requestedHeight }
}

/// A V4L2 camera (`/dev/videoN` or `/dev/kioskd/camera`) as a `CameraFrameSource`: MJPEG frames are checked and given
/// the standard Huffman tables, YUYV frames are encoded by `JPEGEncoder`. Waits are poll(2) on the device and an
/// eventfd, so `close()` from another thread wakes a blocked `nextFrame` at once (docs/camera-v4l2.md).
public final class V4L2Camera: CameraFrameSource, @unchecked Sendable {
    public let path: String
    public let requestedWidth: Int
    public let requestedHeight: Int
    private let encoder: JPEGEncoder

    // Guards `session`, `activeCalls` and the facts below; `close()` waits on it until no call is inside the device.
    private let state = NSCondition()
    private var session: Session?
    private var activeCalls = 0
    private var lastDescription: V4L2DeviceDescription?
    private var lastRawBytes = 0

    public init(
        path: String, width: Int = 640, height: Int = 480, jpegQuality: Int = JPEGEncoder.defaultQuality
    ) {
        self.path = path
        requestedWidth = width
        requestedHeight = height
        encoder = JPEGEncoder(quality: jpegQuality)
    }

    deinit { close() }

    /// What QUERYCAP and ENUM_FMT said at the last `probe` or `open`.
    public var deviceDescription: V4L2DeviceDescription? { state.withLock { lastDescription } }

    /// The format streaming runs in, while open.
    public var streamFormat: V4L2StreamFormat? { state.withLock { session?.format } }

    /// The bytes the driver filled (bytesused) for the last frame, before any conversion.
    public var lastFrameRawBytes: Int { state.withLock { lastRawBytes } }

    public func probe(deadline: Deadline) throws(CameraError) {
        let fd = try V4L2Device.open(path)
        defer { Glibc.close(fd) }
        let description = try V4L2Device.describe(fd, path: path)
        state.withLock { lastDescription = description }
        guard description.chosenFormat != nil else {
            throw .noSupportedFormat(offered: description.formats.map(\.fourCC.description))
        }
    }

    public func open(deadline: Deadline) throws(CameraError) {
        if state.withLock({ session != nil }) { return }
        let fd = try V4L2Device.open(path)
        // Locked while streaming, like every node kioskd holds, so `kioskctl direct camera` sees the daemon has it.
        do {
            try DeviceNodeLock.acquire(fd, path: path)
        } catch {
            Glibc.close(fd)
            throw error.errno == EWOULDBLOCK ? .busy(path: path) : .system(operation: "flock", errno: error.errno)
        }
        let wake = kiosk_eventfd()
        guard wake >= 0 else {
            let code = errno
            Glibc.close(fd)
            throw .system(operation: "eventfd", errno: code)
        }
        do throws(CameraError) {
            let description = try V4L2Device.describe(fd, path: path)
            state.withLock { lastDescription = description }
            guard let fourCC = description.chosenFormat else {
                throw .noSupportedFormat(offered: description.formats.map(\.fourCC.description))
            }
            let format = try setFormat(fd, fourCC)
            let buffers = try V4L2Buffers(fd: fd, path: path)
            var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
            if let code = v4l2Ioctl(fd, V4L2Request.streamOn, &type) {
                buffers.release()
                throw V4L2Device.mapped(code, "VIDIOC_STREAMON", path: path)
            }
            begin(fd: fd, wake: wake, buffers: buffers, format: format)
        } catch {
            Glibc.close(wake)
            Glibc.close(fd)
            throw error
        }
    }

    /// Whether a call is inside the device now: how a test knows `nextFrame` is waiting before it closes.
    var hasActiveCallForTesting: Bool { state.withLock { activeCalls > 0 } }

    /// An eventfd for a session a test makes with `begin`.
    static func makeWakeDescriptorForTesting() -> Int32 { kiosk_eventfd() }

    /// Makes a streaming session of an open node; `open` calls it, and tests hand it a pipe to wait on.
    func begin(fd: Int32, wake: Int32, buffers: V4L2Buffers, format: V4L2StreamFormat) {
        state.withLock { session = Session(fd: fd, wake: wake, buffers: buffers, format: format) }
    }

    public func nextFrame(deadline: Deadline) throws(CameraError) -> CameraFrame {
        let session = try enter()
        defer { leave() }
        while true {
            try waitReadable(session, deadline: deadline)
            var buffer = V4L2Buffers.emptyBuffer()
            if let code = v4l2Ioctl(session.fd, V4L2Request.dequeueBuffer, &buffer) {
                if code == EAGAIN { continue }
                throw V4L2Device.mapped(code, "VIDIOC_DQBUF", path: path)
            }
            let index = Int(buffer.index)
            guard index < session.buffers.mappings.count else {
                throw .system(operation: "VIDIOC_DQBUF (index \(index))", errno: EINVAL)
            }
            let mapping = session.buffers.mappings[index]
            let used = min(Int(buffer.bytesused), mapping.count)
            let damaged = buffer.flags & UInt32(V4L2_BUF_FLAG_ERROR) != 0 || used == 0
            var raw = damaged ? [] : [UInt8](UnsafeRawBufferPointer(rebasing: mapping[0..<used]))
            if let code = session.buffers.queue(buffer.index) {
                wipe(&raw)
                throw V4L2Device.mapped(code, "VIDIOC_QBUF", path: path)
            }
            // A frame the driver marks damaged is skipped: the next one comes within a frame interval.
            if damaged { continue }
            state.withLock { lastRawBytes = used }
            defer { wipe(&raw) }
            return try convert(raw, session.format)
        }
    }

    public func close() {
        state.lock()
        guard let closing = session else {
            state.unlock()
            return
        }
        session = nil
        var one: UInt64 = 1
        _ = Glibc.write(closing.wake, &one, 8)
        while activeCalls > 0 { state.wait() }
        state.unlock()
        var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        _ = v4l2Ioctl(closing.fd, V4L2Request.streamOff, &type)
        closing.buffers.release()
        Glibc.close(closing.fd)
        Glibc.close(closing.wake)
    }

    /// VIDIOC_S_FMT at the configured size; the driver answers with what it set.
    private func setFormat(_ fd: Int32, _ fourCC: FourCC) throws(CameraError) -> V4L2StreamFormat {
        var format = v4l2_format()
        format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        format.fmt.pix.width = UInt32(requestedWidth)
        format.fmt.pix.height = UInt32(requestedHeight)
        format.fmt.pix.pixelformat = fourCC.code
        format.fmt.pix.field = V4L2_FIELD_NONE.rawValue
        if let code = v4l2Ioctl(fd, V4L2Request.setFormat, &format) {
            throw V4L2Device.mapped(code, "VIDIOC_S_FMT", path: path)
        }
        let pix = format.fmt.pix
        guard pix.pixelformat == fourCC.code, pix.width > 0, pix.height > 0 else {
            throw .noSupportedFormat(offered: [FourCC(code: pix.pixelformat).description])
        }
        let width = Int(pix.width)
        return V4L2StreamFormat(
            fourCC: fourCC, width: width, height: Int(pix.height), bytesPerLine: max(Int(pix.bytesperline), width * 2),
            requestedWidth: requestedWidth, requestedHeight: requestedHeight,
            fullRange: pix.quantization == V4L2_QUANTIZATION_FULL_RANGE.rawValue)
    }

    private func convert(_ raw: [UInt8], _ format: V4L2StreamFormat) throws(CameraError) -> CameraFrame {
        if format.fourCC == .yuyv {
            let encoded = raw.withUnsafeBytes { bytes in
                Result { () throws(JPEGEncoderError) -> [UInt8] in
                    try encoder.encode(
                        yuyv: bytes, width: format.width, height: format.height, bytesPerLine: format.bytesPerLine,
                        range: format.fullRange ? .full : .limited)
                }
            }
            switch encoded {
            case .success(let jpeg): return CameraFrame(jpeg: jpeg, width: format.width, height: format.height)
            case .failure(let error): throw .garbage(why: error.description)
            }
        }
        do throws(JPEGFrameError) {
            let jpeg = try JPEGFrameInfo.withStandardHuffmanTables(raw)
            let info = try JPEGFrameInfo(parsing: jpeg)
            return CameraFrame(jpeg: jpeg, width: info.width, height: info.height)
        } catch {
            throw .garbage(why: error.description)
        }
    }

    /// poll(2) on the device and the wake eventfd until a buffer is ready; POLLERR means streaming broke (usually
    /// unplugged), which DQBUF then names.
    private func waitReadable(_ session: Session, deadline: Deadline) throws(CameraError) {
        while true {
            var fds = [
                pollfd(fd: session.fd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: session.wake, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 2, deadline.pollTimeoutMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw .system(operation: "poll", errno: errno)
            }
            if fds[1].revents != 0 { throw .closed }
            if fds[0].revents & Int16(POLLNVAL) != 0 { throw .closed }
            if fds[0].revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 { return }
            if ready == 0 || deadline.hasPassed { throw .stalled }
        }
    }

    private func enter() throws(CameraError) -> Session {
        state.lock()
        defer { state.unlock() }
        guard let session else { throw .closed }
        activeCalls += 1
        return session
    }

    private func leave() {
        state.lock()
        activeCalls -= 1
        if activeCalls == 0 { state.broadcast() }
        state.unlock()
    }

    private func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }
        bytes = []
    }

    /// One streaming session: the open node, its wake eventfd, the mapped buffers and the format set.
    private final class Session {
        let fd: Int32
        let wake: Int32
        let buffers: V4L2Buffers
        let format: V4L2StreamFormat

        init(fd: Int32, wake: Int32, buffers: V4L2Buffers, format: V4L2StreamFormat) {
            self.fd = fd
            self.wake = wake
            self.buffers = buffers
            self.format = format
        }
    }
}
