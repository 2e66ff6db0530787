import Foundation
import KioskCore
import KioskDevices
import KioskDocuments
import KioskIO
import KioskProtocols

/// The devices of one terminal, by role, with the health each last reported. Any role may be absent (not
/// configured); the flow then reports that device as unavailable when it needs it.
public final class Terminal: @unchecked Sendable {
    public let idReader: IDCardReader?
    public let receiptPrinter: ReceiptPrinter?
    public let ticketDispenser: TicketDispenser?
    public let licenceOutput: (any LicenceOutput)?
    /// The face comparison's camera (身份证比对); closed between face steps.
    public let camera: Camera?
    /// Whether the terminal is out of service without a usable camera: only when `identity.faceVerification` is
    /// required (the lead's wiring sets it from the config); otherwise a lost camera leaves the terminal in service.
    public let cameraRequired: Bool
    /// Where each device is attached, for status.
    public let endpoints: [DeviceRole: String]
    /// Counters and state-change times for `kioskctl devices`.
    public let activity = DeviceActivity()
    private let lock = NSLock()
    private var healthByRole: [DeviceRole: DeviceHealth] = [:]
    private var probeWaiters: [(DeviceRole, CheckedContinuation<Void, Never>)] = []
    private var healthObserver: (@Sendable (DeviceRole, DeviceHealth, DeviceHealth) -> Void)?

    public init(
        idReader: IDCardReader?, receiptPrinter: ReceiptPrinter?, ticketDispenser: TicketDispenser?,
        licenceOutput: (any LicenceOutput)?, camera: Camera? = nil, cameraRequired: Bool = false,
        endpoints: [DeviceRole: String]
    ) {
        self.idReader = idReader
        self.receiptPrinter = receiptPrinter
        self.ticketDispenser = ticketDispenser
        self.licenceOutput = licenceOutput
        self.camera = camera
        self.cameraRequired = cameraRequired
        self.endpoints = endpoints
        for role in DeviceRole.allCases {
            healthByRole[role] =
                endpoints[role] == nil
                ? DeviceHealth(.disconnected, reasons: ["not-configured"]) : DeviceHealth(.starting)
            activity.observe(role, state: healthByRole[role]?.state.rawValue ?? "", at: Date())
        }
    }

    public func health(of role: DeviceRole) -> DeviceHealth {
        lock.withLock { healthByRole[role] ?? DeviceHealth(.starting) }
    }

    /// Told (role, old, new) after every change of a role's health, outside the lock (logs, STATUS=, monitor).
    func observeHealth(_ observer: @escaping @Sendable (DeviceRole, DeviceHealth, DeviceHealth) -> Void) {
        lock.withLock { healthObserver = observer }
    }

    /// Records `health` and says whether the device went from usable to lost (true, false) or back (false, true).
    @discardableResult
    public func update(_ role: DeviceRole, _ health: DeviceHealth) -> (lost: Bool, restored: Bool) {
        var old = DeviceHealth(.starting)
        var observer: (@Sendable (DeviceRole, DeviceHealth, DeviceHealth) -> Void)?
        let (change, ready) = lock.withLock {
            () -> ((lost: Bool, restored: Bool), [CheckedContinuation<Void, Never>]) in
            old = healthByRole[role] ?? DeviceHealth(.starting)
            observer = old == health ? nil : healthObserver
            var stored = health
            if stored == old, let since = old.since { stored.since = since }  // the same state: since when it began
            healthByRole[role] = stored
            activity.observe(role, state: health.state.rawValue, at: Date())
            let wasUsable = Terminal.isUsable(old)
            let isUsable = Terminal.isUsable(health)
            var ready: [CheckedContinuation<Void, Never>] = []
            if health.state != .starting {
                ready = probeWaiters.filter { $0.0 == role }.map(\.1)
                probeWaiters.removeAll { $0.0 == role }
            }
            return (
                (wasUsable && !isUsable && health.state != .starting, !wasUsable && isUsable && old.state != .starting),
                ready
            )
        }
        for waiter in ready { waiter.resume() }
        observer?(role, old, health)
        return change
    }

    /// Probes every configured device once (printers are asked for their status now, the reader's loop reports its
    /// SAM check), waiting at most `timeout` for the slow ones: READY=1 comes after this.
    public func probe(timeout: Duration) async {
        if let receiptPrinter { update(.receiptPrinter, await receiptPrinter.refreshStatus()) }
        if let ticketDispenser { update(.ticketDispenser, await ticketDispenser.refreshStatus()) }
        if let licenceOutput { update(.licencePrinter, await licenceOutput.health()) }
        if let camera { update(.camera, await camera.probe()) }
        guard idReader != nil else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.firstReport(from: .idReader) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
            self.releaseProbeWaiters()
        }
    }

    private func firstReport(from role: DeviceRole) async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let reported = lock.withLock { () -> Bool in
                if healthByRole[role]?.state != .starting { return true }
                probeWaiters.append((role, waiter))
                return false
            }
            if reported { waiter.resume() }
        }
    }

    private func releaseProbeWaiters() {
        let waiters = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            defer { probeWaiters.removeAll() }
            return probeWaiters.map(\.1)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// After the hotplug monitor saw the role's device settle (`HotplugAction.open`): the driver reopens it now
    /// (`DeviceService.reopenNow`, on the node `DeviceRoutes` names) instead of after its own back-off. Then the
    /// driver's own health when it is usable while the terminal still shows the role lost — a spurious `remove` made
    /// us report a loss the driver never had, and it reports only changes. Nil otherwise, so a stale value never
    /// overwrites what the driver reports meanwhile.
    func healthToResync(_ role: DeviceRole) async -> DeviceHealth? {
        let current: DeviceHealth?
        switch role {
        case .idReader:
            await idReader?.reopenNow()
            current = await idReader?.health
        case .receiptPrinter:
            await receiptPrinter?.reopenNow()
            current = await receiptPrinter?.health
        case .ticketDispenser:
            await ticketDispenser?.reopenNow()
            current = await ticketDispenser?.health
        case .licencePrinter: current = await licenceOutput?.health()
        case .camera:
            await camera?.reopenNow()
            current = await camera?.health
        }
        guard let current, Terminal.isUsable(current), !Terminal.isUsable(health(of: role)) else { return nil }
        return current
    }

    /// Stops every driver (`DeviceService.stop`): a call still blocked on a device wakes at once, so shutdown never
    /// waits out a device's deadline.
    func stopDevices() {
        idReader?.stop()
        receiptPrinter?.stop()
        ticketDispenser?.stop()
        camera?.stop()
    }

    /// The roles without which no citizen can be served (docs/ARCHITECTURE.md §4.9 for the camera).
    public var requiredRoles: [DeviceRole] { ScreenProjection.requiredDevices(cameraRequired: cameraRequired) }

    static func isUsable(_ health: DeviceHealth) -> Bool { health.state == .ready || health.state == .degraded }

}
