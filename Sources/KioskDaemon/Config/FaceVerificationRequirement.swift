import KioskCore

extension DaemonConfig {
    /// What `identity.faceVerification: "required"` needs at a production start: the identity service and a camera
    /// (docs/face-verification.md). `--simulate` brings both itself. nil when nothing is missing.
    func faceVerificationProblem(file: String) -> ConfigError? {
        guard flow.faceVerification == .required else { return nil }
        let missing = [
            central.identity == nil ? "central.identity (its url)" : nil,
            devices[.camera] == nil ? "devices.camera" : nil,
        ].compactMap { $0 }
        guard !missing.isEmpty else { return nil }
        return ConfigError(
            file: file, keyPath: "identity.faceVerification",
            problem: "\"required\" needs \(missing.joined(separator: " and ")); set them, or \"off\"")
    }
}
