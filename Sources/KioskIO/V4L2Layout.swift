import CKioskSupport

/// The sizes, field offsets and request numbers KioskIO's V4L2 code relies on, by the names a C program would print
/// them with `sizeof`/`offsetof`: V4L2LayoutTests compiles such a program with gcc against the kernel headers and
/// compares (docs/camera-v4l2.md). A union member's offset is its union's, since every member starts at 0.
public enum V4L2Layout {
    public static var facts: [String: UInt] {
        [
            "sizeof(struct v4l2_capability)": UInt(MemoryLayout<v4l2_capability>.size),
            "offsetof(struct v4l2_capability, driver)": offset(\v4l2_capability.driver),
            "offsetof(struct v4l2_capability, card)": offset(\v4l2_capability.card),
            "offsetof(struct v4l2_capability, bus_info)": offset(\v4l2_capability.bus_info),
            "offsetof(struct v4l2_capability, capabilities)": offset(\v4l2_capability.capabilities),
            "offsetof(struct v4l2_capability, device_caps)": offset(\v4l2_capability.device_caps),
            "sizeof(struct v4l2_fmtdesc)": UInt(MemoryLayout<v4l2_fmtdesc>.size),
            "offsetof(struct v4l2_fmtdesc, index)": offset(\v4l2_fmtdesc.index),
            "offsetof(struct v4l2_fmtdesc, type)": offset(\v4l2_fmtdesc.type),
            "offsetof(struct v4l2_fmtdesc, flags)": offset(\v4l2_fmtdesc.flags),
            "offsetof(struct v4l2_fmtdesc, description)": offset(\v4l2_fmtdesc.description),
            "offsetof(struct v4l2_fmtdesc, pixelformat)": offset(\v4l2_fmtdesc.pixelformat),
            "sizeof(struct v4l2_format)": UInt(MemoryLayout<v4l2_format>.size),
            "offsetof(struct v4l2_format, type)": offset(\v4l2_format.type),
            "offsetof(struct v4l2_format, fmt.pix)": offset(\v4l2_format.fmt),
            "sizeof(struct v4l2_pix_format)": UInt(MemoryLayout<v4l2_pix_format>.size),
            "offsetof(struct v4l2_pix_format, width)": offset(\v4l2_pix_format.width),
            "offsetof(struct v4l2_pix_format, height)": offset(\v4l2_pix_format.height),
            "offsetof(struct v4l2_pix_format, pixelformat)": offset(\v4l2_pix_format.pixelformat),
            "offsetof(struct v4l2_pix_format, field)": offset(\v4l2_pix_format.field),
            "offsetof(struct v4l2_pix_format, bytesperline)": offset(\v4l2_pix_format.bytesperline),
            "offsetof(struct v4l2_pix_format, sizeimage)": offset(\v4l2_pix_format.sizeimage),
            "offsetof(struct v4l2_pix_format, quantization)": offset(\v4l2_pix_format.quantization),
            "sizeof(struct v4l2_requestbuffers)": UInt(MemoryLayout<v4l2_requestbuffers>.size),
            "offsetof(struct v4l2_requestbuffers, count)": offset(\v4l2_requestbuffers.count),
            "offsetof(struct v4l2_requestbuffers, type)": offset(\v4l2_requestbuffers.type),
            "offsetof(struct v4l2_requestbuffers, memory)": offset(\v4l2_requestbuffers.memory),
            "sizeof(struct v4l2_buffer)": UInt(MemoryLayout<v4l2_buffer>.size),
            "offsetof(struct v4l2_buffer, index)": offset(\v4l2_buffer.index),
            "offsetof(struct v4l2_buffer, type)": offset(\v4l2_buffer.type),
            "offsetof(struct v4l2_buffer, bytesused)": offset(\v4l2_buffer.bytesused),
            "offsetof(struct v4l2_buffer, flags)": offset(\v4l2_buffer.flags),
            "offsetof(struct v4l2_buffer, memory)": offset(\v4l2_buffer.memory),
            "offsetof(struct v4l2_buffer, m.offset)": offset(\v4l2_buffer.m),
            "offsetof(struct v4l2_buffer, length)": offset(\v4l2_buffer.length),
            "VIDIOC_QUERYCAP": V4L2Request.queryCapability,
            "VIDIOC_ENUM_FMT": V4L2Request.enumerateFormat,
            "VIDIOC_G_FMT": V4L2Request.getFormat,
            "VIDIOC_S_FMT": V4L2Request.setFormat,
            "VIDIOC_REQBUFS": V4L2Request.requestBuffers,
            "VIDIOC_QUERYBUF": V4L2Request.queryBuffer,
            "VIDIOC_QBUF": V4L2Request.queueBuffer,
            "VIDIOC_DQBUF": V4L2Request.dequeueBuffer,
            "VIDIOC_STREAMON": V4L2Request.streamOn,
            "VIDIOC_STREAMOFF": V4L2Request.streamOff,
            "V4L2_PIX_FMT_MJPEG": UInt(FourCC.mjpeg.code),
            "V4L2_PIX_FMT_JPEG": UInt(FourCC.jpeg.code),
            "V4L2_PIX_FMT_YUYV": UInt(FourCC.yuyv.code),
        ]
    }

    private static func offset<Root, Value>(_ path: KeyPath<Root, Value>) -> UInt {
        UInt(MemoryLayout<Root>.offset(of: path)!)
    }
}
