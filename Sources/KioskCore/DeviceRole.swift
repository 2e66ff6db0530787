/// The device roles of a terminal; the same words in config keys, JSON, logs and type names. The camera is the face
/// comparison's (身份证比对), needed only when `identity.faceVerification` is required.
public enum DeviceRole: String, Sendable, Codable, CaseIterable {
    case idReader, receiptPrinter, ticketDispenser, licencePrinter, camera
}
