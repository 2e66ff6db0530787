import CKioskSupport
import Glibc

/// Line settings of an RS-232 port; kiosk devices all use 8 data bits, no parity, 1 stop bit.
public struct SerialSettings: Sendable, Equatable {
    /// The rates GA 467 readers and ESC/POS printers support.
    public static let supportedBaudRates = [9600, 19200, 38400, 57600, 115200]

    public var baudRate: Int

    public init(baudRate: Int = 115200) { self.baudRate = baudRate }
}

/// Opens serial ports (and PTY replicas, which behave the same) in raw 8N1 mode with termios.
public enum SerialPort {
    /// Opens `path` exclusively (`TIOCEXCL`, and the advisory lock of `DeviceNodeLock` that root respects too) in raw
    /// mode at `settings.baudRate`. Wraps open(2), ioctl(TIOCEXCL), flock(2), tcgetattr(3), cfmakeraw(3), cfsetspeed(3), tcsetattr(3), tcflush(3).
    public static func open(_ path: String, settings: SerialSettings = SerialSettings()) throws(SystemError)
        -> DescriptorTransport
    {
        guard let speed = speedConstant(settings.baudRate) else {
            throw SystemError("cfsetspeed(\(settings.baudRate))", errno: EINVAL)
        }
        let fd = try retryingInterrupts("open(\(path))") {
            Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        }
        do {
            _ = try retryingInterrupts("ioctl(TIOCEXCL)") { kiosk_ioctl_none(fd, UInt(TIOCEXCL)) }
            try DeviceNodeLock.acquire(fd, path: path)
            var tio = termios()
            try retryingInterrupts("tcgetattr(\(path))") { tcgetattr(fd, &tio) }
            cfmakeraw(&tio)
            tio.c_cflag |= tcflag_t(CLOCAL) | tcflag_t(CREAD)
            tio.c_cflag &= ~(tcflag_t(CSTOPB) | tcflag_t(PARENB) | tcflag_t(CRTSCTS))
            withUnsafeMutableBytes(of: &tio.c_cc) { cc in
                cc[Int(VMIN)] = 0
                cc[Int(VTIME)] = 0
            }
            try retryingInterrupts("cfsetspeed(\(settings.baudRate))") { cfsetspeed(&tio, speed) }
            try retryingInterrupts("tcsetattr(\(path))") { tcsetattr(fd, TCSANOW, &tio) }
            _ = tcflush(fd, TCIOFLUSH)
            return try DescriptorTransport(fd: fd, name: path)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// The termios speed constant for a baud rate in `SerialSettings.supportedBaudRates`.
    static func speedConstant(_ baud: Int) -> speed_t? {
        switch baud {
        case 9600: speed_t(B9600)
        case 19200: speed_t(B19200)
        case 38400: speed_t(B38400)
        case 57600: speed_t(B57600)
        case 115200: speed_t(B115200)
        default: nil
        }
    }
}
