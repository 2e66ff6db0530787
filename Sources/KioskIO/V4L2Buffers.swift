import CKioskSupport
import Glibc

/// The driver's capture buffers mapped into our memory (REQBUFS, QUERYBUF, mmap) and queued (QBUF). They hold a
/// citizen's face, so `release()` zeroes them before unmapping (docs/face-verification.md).
final class V4L2Buffers {
    /// How many buffers we ask for: one being read, the rest filling.
    static let requestedCount: UInt32 = 4

    private let fd: Int32
    private(set) var mappings: [UnsafeMutableRawBufferPointer] = []

    init(fd: Int32, path: String) throws(CameraError) {
        self.fd = fd
        var request = v4l2_requestbuffers()
        request.count = Self.requestedCount
        request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        request.memory = V4L2_MEMORY_MMAP.rawValue
        if let code = v4l2Ioctl(fd, V4L2Request.requestBuffers, &request) {
            throw V4L2Device.mapped(code, "VIDIOC_REQBUFS", path: path)
        }
        guard request.count > 0 else { throw .system(operation: "VIDIOC_REQBUFS (no buffers)", errno: ENOMEM) }
        for index in 0..<request.count {
            var buffer = Self.emptyBuffer(index: index)
            if let code = v4l2Ioctl(fd, V4L2Request.queryBuffer, &buffer) {
                release()
                throw V4L2Device.mapped(code, "VIDIOC_QUERYBUF", path: path)
            }
            let length = Int(buffer.length)
            let address = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off_t(buffer.m.offset))
            guard let address, address != MAP_FAILED else {
                let code = errno
                release()
                throw V4L2Device.mapped(code, "mmap", path: path)
            }
            mappings.append(UnsafeMutableRawBufferPointer(start: address, count: length))
        }
        for index in mappings.indices {
            if let code = queue(UInt32(index)) {
                release()
                throw V4L2Device.mapped(code, "VIDIOC_QBUF", path: path)
            }
        }
    }

    /// No buffers on `fd`: a session tests wait on without a camera (V4L2CameraTests).
    init(noneOn fd: Int32) { self.fd = fd }

    /// Hands buffer `index` back to the driver; the errno on failure.
    func queue(_ index: UInt32) -> Int32? {
        var buffer = Self.emptyBuffer(index: index)
        return v4l2Ioctl(fd, V4L2Request.queueBuffer, &buffer)
    }

    /// Zeroes and unmaps every buffer, then frees the driver's (REQBUFS 0, after STREAMOFF). Idempotent.
    func release() {
        for mapping in mappings {
            _ = mapping.initializeMemory(as: UInt8.self, repeating: 0)
            munmap(mapping.baseAddress, mapping.count)
        }
        if !mappings.isEmpty {
            var request = v4l2_requestbuffers()
            request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            request.memory = V4L2_MEMORY_MMAP.rawValue
            _ = v4l2Ioctl(fd, V4L2Request.requestBuffers, &request)
        }
        mappings = []
    }

    static func emptyBuffer(index: UInt32 = 0) -> v4l2_buffer {
        var buffer = v4l2_buffer()
        buffer.index = index
        buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        buffer.memory = V4L2_MEMORY_MMAP.rawValue
        return buffer
    }
}
