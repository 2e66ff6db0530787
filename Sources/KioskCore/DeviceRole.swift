/// The four device roles of a terminal; the same words in config keys, JSON, logs and type names.
public enum DeviceRole: String, Sendable, Codable, CaseIterable {
    case idReader, receiptPrinter, ticketDispenser, licencePrinter
}
