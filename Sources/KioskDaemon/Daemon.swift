import Foundation
import KioskControl
import KioskCore
import KioskDevices
import KioskDocuments
import KioskIO
import KioskSimulators
import KioskStore

/// kioskd: owns the devices, runs the flow on them and keeps every transaction (docs/ARCHITECTURE.md §1). Start order:
/// store, devices, flow, control sockets, then READY=1; stop order is the reverse, with a licence print given time to
/// finish (or left journalled for the next start).
public final class Daemon: @unchecked Sendable {
    public let options: DaemonOptions
    public let config: DaemonConfig
    public let logger: Logger
    /// The writer's connection, reached only through `storeLane`.
    let store: TransactionStore
    let storeLane: StoreLane
    /// Integrity check, retention purge and backup, at start and daily; its last report shows in `status`.
    let maintenance: StoreMaintenance
    /// A read-only connection of its own for `status`, which must answer while a write waits for a lock.
    let statusStore: TransactionStore
    /// What `/metrics` serves beside the store's figures: card reads, HTTP requests, flow step times.
    let metrics = DaemonMetrics()
    /// What `monitor` subscribers see (docs/ARCHITECTURE.md §17).
    let events = EventHub()
    /// Logs, publishes and announces (STATUS=) every device health change.
    let healthWatch: DeviceHealthWatch
    let terminal: Terminal
    let runner: FlowRunner
    /// Hotplug: the udev monitor and what it reports (docs/ARCHITECTURE.md §4.7).
    let deviceManager: DeviceManager
    /// Who approves applications: the central registration service, or the embedded authority.
    let authority: any RegistrationAuthority
    /// The embedded authority when it is the one in use (simulation, or `authority.mode` set to an embedded mode).
    let embeddedAuthority: EmbeddedAuthority?
    let simulation: SimulatedTerminal?
    let startedAt = Date()
    let socketDirectory: String
    private var servers: [ControlServer] = []
    /// The pull API (`central.pull.listen`), nil when not configured.
    private(set) var pullListener: PullListener?
    /// The metrics-only listener (`central.metrics.listen`), nil when not configured.
    private(set) var metricsListener: MetricsListener?
    /// Pushing to the centre (`central.push`), nil when not configured.
    private(set) var pusher: Pusher?
    /// The citizen's touch UI (`ui.listen`), nil when off.
    private(set) var ui: UIListener?
    /// Whether a technician took the terminal out of service (admin.sock `inhibit` / `release`).
    let inhibitions: InhibitionSwitch
    private var demoFailed = false
    private let notifier: SystemdNotifier
    private let watchdogInterval: Duration?

    public var controlSocketPath: String { socketDirectory + "/kioskd.sock" }
    public var adminSocketPath: String { socketDirectory + "/admin.sock" }

    /// How long a stop waits for a licence print in progress before leaving it to the journal.
    static let printGracePeriod: Duration = .seconds(30)

    public init(options: DaemonOptions, logger: Logger) async throws {
        self.options = options
        self.logger = logger
        // Ours alone: children (cupsd, ippeveprinter) must not talk to systemd in our name.
        notifier = SystemdNotifier()
        watchdogInterval = SystemdNotifier.watchdogInterval()
        for variable in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] { unsetenv(variable) }
        var config: DaemonConfig
        if let path = options.configPath {
            config = try DaemonConfig.load(path: path)
        } else if options.simulate {
            config = DaemonConfig()
        } else {
            config = try DaemonConfig.load(path: DaemonOptions.defaultConfigPath)
        }
        if let state = options.stateDirectory { config.stateDirectory = state }
        logger.level = config.logLevel
        // Read once at start: a missing font is a config error now, not a refused licence later.
        let licenceFonts = try config.licence.fonts.load(file: options.configPath ?? "(defaults)")
        try FileManager.default.createDirectory(
            atPath: config.stateDirectory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o750])
        socketDirectory = options.simulate ? config.stateDirectory : config.runtimeDirectory
        try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)

        if options.simulate {
            let sim = try await SimulatedTerminal.start(
                outputDirectory: URL(fileURLWithPath: config.stateDirectory).appendingPathComponent("sim-output"),
                useCUPS: !options.noCUPS, cameraDirectory: config.simulation.cameraDirectory, logger: logger)
            for (role, device) in sim.devices { config.devices[role] = device }
            if !options.noCentral && !config.namesCentralOrAuthority {
                try Self.linkToSimulatedCentre(sim, config: &config, logger: logger)
            }
            simulation = sim
            // The simulated terminal compares faces unless told not to: its camera and centre are there for it.
            if !config.faceVerificationIsExplicit, sim.camera != nil, config.central.identity != nil {
                config.flow.faceVerification = .required
            }
            // Several simulated terminals may run at once: an ephemeral port unless one is configured.
            if !config.ui.listenIsExplicit { config.ui.listen?.port = 0 }
        } else {
            simulation = nil
            if let problem = config.faceVerificationProblem(file: options.configPath ?? DaemonOptions.defaultConfigPath)
            {
                throw problem
            }
        }
        self.config = config
        inhibitions = InhibitionSwitch(stateDirectory: config.stateDirectory)

        store = try StoreMaintenance.openStore(config: config, logger: logger)
        storeLane = StoreLane(store)
        maintenance = StoreMaintenance(store: store, settings: .init(config: config), logger: logger, now: clock)
        // The open above ran quick_check; the status connection need not read the whole file again.
        statusStore = try TransactionStore.open(
            path: store.path, options: .init(readOnly: true, checkIntegrityAtOpen: false))
        (authority, embeddedAuthority) = try Self.registrationAuthority(
            config: config, configFile: options.configPath ?? DaemonOptions.defaultConfigPath,
            simulate: options.simulate, store: storeLane, logger: logger)

        var endpoints: [DeviceRole: String] = [:]
        for (role, device) in config.devices { endpoints[role] = device.endpoint.description }
        let licenceOutput: (any LicenceOutput)?
        if case .cups(let queue, let server)? = config.devices[.licencePrinter]?.endpoint {
            licenceOutput = CUPSLicenceOutput(queue: queue, server: server)
        } else if let simulation {
            let sink = try PDFDirectoryOutput(directory: simulation.licenceDirectory)
            logger.notice("simulate", "licence printer simulated as a PDF directory: \(sink.directory.path)")
            endpoints[.licencePrinter] = sink.summary
            licenceOutput = sink
        } else {
            licenceOutput = nil
        }
        let routes = DeviceRoutes()
        let simulatedCamera = simulation?.camera
        let camera = config.devices[.camera].flatMap {
            DeviceFactory.camera($0, routes: routes, simulated: simulatedCamera)
        }
        if let simulated = simulatedCamera { endpoints[.camera] = "simulated camera (\(simulated.path))" }
        terminal = Terminal(
            idReader: config.devices[.idReader].flatMap { DeviceFactory.idReader($0, routes: routes) },
            receiptPrinter: config.devices[.receiptPrinter].flatMap {
                DeviceFactory.printerConfiguration($0, role: .receiptPrinter)
            }.map { ReceiptPrinter(configuration: $0, route: { routes.node(of: .receiptPrinter) }) },
            ticketDispenser: config.devices[.ticketDispenser].flatMap {
                DeviceFactory.printerConfiguration($0, role: .ticketDispenser)
            }.map { TicketDispenser(configuration: $0, route: { routes.node(of: .ticketDispenser) }) },
            licenceOutput: licenceOutput, camera: camera, cameraRequired: config.flow.faceVerification == .required,
            endpoints: endpoints)

        let numbering = try QueueNumbering(prefixes: [config.flow.handOffCategory: config.flow.handOffCategory])
        runner = FlowRunner(
            flow: LicenceFlow(policy: config.flow),
            dependencies: FlowRunner.Dependencies(
                store: storeLane, terminal: terminal, authority: authority, logger: logger, kioskID: config.kioskID,
                renderLicence: { [licenceFonts] licence in
                    try LicenceRenderer.render(licence, copy: .original, fonts: licenceFonts)
                },
                queueNumbering: numbering, receiptQRURLBase: config.receipt.qrURLBase,
                licencePrintDeadline: config.licence.printDeadline, clock: clock, stepObserver: metrics
            ).monitored(by: events).comparingFaces(
                try Self.faceCheck(config: config, camera: camera, logger: logger)))
        healthWatch = DeviceHealthWatch(terminal: terminal, logger: logger, events: events) { [notifier, logger] in
            do { try notifier.notify($0) } catch { logger.warning("systemd", "sd_notify failed: \(error)") }
        }
        terminal.observeHealth { [healthWatch] in healthWatch.changed($0, from: $1, to: $2) }
        deviceManager = DeviceManager(
            devices: config.devices, hotplug: config.hotplug, routes: routes, logger: logger,
            report: { [runner] role, health in runner.report(role, health) },
            resync: { [terminal, runner] role in
                Task { if let health = await terminal.healthToResync(role) { runner.report(role, health) } }
            })
    }

    /// The camera and the identity service of the face comparison, when the config requires it and has both; nil
    /// otherwise (a required comparison without them hands each session to a staffed window, and says why).
    static func faceCheck(config: DaemonConfig, camera: Camera?, logger: Logger) throws -> FaceCheck? {
        guard config.flow.faceVerification == .required else {
            logger.notice(
                "face", "identity.faceVerification is off: 身份证比对 is the card read and the citizen's confirmation")
            return nil
        }
        guard let camera, let identity = config.central.identity else { return nil }
        return FaceCheck(camera: camera, verifier: try CentralIdentityVerifier(config: identity, logger: logger))
    }

    /// Starts the central simulator and points push and registration at it (its certificate pinned).
    static func linkToSimulatedCentre(_ sim: SimulatedTerminal, config: inout DaemonConfig, logger: Logger) throws {
        let centre: SimulatedCentre
        do {
            centre = try SimulatedCentre.start(
                directory: URL(fileURLWithPath: config.stateDirectory).appendingPathComponent("sim-central"))
        } catch {
            sim.stop()
            throw error
        }
        sim.centre = centre
        config.central.push = centre.pushConfig
        config.central.registration = centre.registrationConfig
        config.central.identity = centre.identityConfig
        config.central.pull = centre.pullConfig
        config.authority.mode = .central
        config.authority.modeIsExplicit = true
        logger.notice(
            "simulate",
            "central simulator at \(centre.url) (control \(centre.control), certificate SHA-256 "
                + "\(centre.certificateSHA256)): push, registration and identity checks go there, and it pulls")
    }

    /// The central authority when `authority.mode` is `central` — or, in production, when it is not set and
    /// `central.registration` is; the embedded one when an embedded mode is set, or under `--simulate`. Production
    /// never falls back to embedded approvals by itself, and says so on every start when they are configured.
    /// `configFile` is the file the config came from (`--config`, else the default path), named in the error.
    static func registrationAuthority(
        config: DaemonConfig, configFile: String, simulate: Bool, store: StoreLane, logger: Logger
    ) throws -> (any RegistrationAuthority, EmbeddedAuthority?) {
        let central = config.authority.mode == .central || (!simulate && !config.authority.modeIsExplicit)
        if central {
            guard let registration = config.central.registration else {
                throw ConfigError(
                    file: configFile, keyPath: "authority.mode",
                    problem:
                        "missing; set \"central\" (with central.registration) or, for a terminal without a centre, "
                        + "\"embedded\"")
            }
            return (try CentralAuthority(config: registration, records: StoreApprovalRecords(lane: store)), nil)
        }
        if !simulate {
            logger.warning(
                "authority",
                "applications are approved by the embedded authority (authority.mode \(config.authority.mode.rawValue)), "
                    + "not by the central registration service")
        }
        let embedded = EmbeddedAuthority(config: config.authority, store: store)
        return (embedded, embedded)
    }

    /// Runs until SIGTERM or SIGINT (or the task is cancelled). Returns the exit status.
    public func run() async -> Int32 {
        let signals = SignalWatcher([SIGTERM, SIGINT])
        let started = ContinuousClock.now
        return await withTaskGroup(of: Void.self) { group in
            if let reader = terminal.idReader {
                group.addTask { await reader.run() }
                group.addTask { [self] in await pumpReaderEvents(reader) }
            }
            if let printer = terminal.receiptPrinter { group.addTask { await printer.run() } }
            if let dispenser = terminal.ticketDispenser { group.addTask { await dispenser.run() } }
            if let camera = terminal.camera { group.addTask { await camera.run() } }
            group.addTask { [runner] in await runner.run() }
            group.addTask { [runner, events] in await FlowMonitorEvents.forward(runner, to: events) }
            if simulation == nil {
                if UdevMonitor.udevdIsRunning {
                    deviceManager.start()
                } else {
                    logger.notice("hotplug", "udevd is not running: no hotplug; drivers reopen their configured paths")
                }
            }
            group.addTask { [self] in await watchPrinters() }
            group.addTask { [self] in
                // Its own lane, not the store lane: the check and the backup read the whole file through connections
                // of their own, and the flow must not wait behind them; only the purge takes the writer's lock.
                await maintenance.run()
            }

            await terminal.probe(timeout: .seconds(3))
            do {
                try startControlSockets()
            } catch {
                logger.error("control", "cannot open the control sockets in \(socketDirectory): \(error)")
                group.cancelAll()
                return 1
            }
            do {
                pullListener = try PullListener.start(
                    config: config, store: store, lane: storeLane, terminal: terminal, metrics: metrics, logger: logger,
                    warnings: { [weak self] in self?.centralWarnings ?? [] }, events: events)
            } catch {
                logger.error("central", "cannot start the pull API on central.pull.listen: \(error)")
                group.cancelAll()
                return 1
            }
            do {
                metricsListener = try MetricsListener.start(
                    config: config, store: store, lane: storeLane, terminal: terminal, metrics: metrics, logger: logger,
                    warnings: { [weak self] in self?.centralWarnings ?? [] })
            } catch {
                logger.error("central", "cannot start the metrics listener on central.metrics.listen: \(error)")
                group.cancelAll()
                return 1
            }
            if let centre = simulation?.centre, let pullListener {
                do {
                    try centre.pull(from: pullListener.url, certificateSHA256: pullListener.certificateSHA256)
                } catch {
                    logger.error("simulate", "cannot tell the central simulator to pull: \(error)")
                }
            }
            do {
                try startUI(in: &group)
            } catch {
                logger.error(
                    "ui", "cannot serve the touch UI on ui.listen \(config.ui.listen?.description ?? ""): \(error)")
                group.cancelAll()
                return 1
            }
            do {
                pusher = try Pusher.start(config: config, store: store, lane: storeLane, logger: logger, events: events)
            } catch {
                logger.error("central", "cannot start pushing to central.push.url: \(error)")
                group.cancelAll()
                return 1
            }
            let readyIn = ContinuousClock.now - started
            notify(["READY=1", "STATUS=" + healthWatch.markReady()])
            logger.notice("kioskd", "ready in \(readyIn) (kiosk \(config.kioskID), sockets in \(socketDirectory))")
            if let interval = watchdogInterval {
                group.addTask { [self] in await watchdog(every: interval / 2) }
            }
            if options.demo, let simulation {
                group.addTask { [self] in
                    let demo = Demo(daemon: self, simulation: simulation)
                    let finished = await demo.run()
                    if options.exitAfterDemo {
                        demoFailed = !finished
                        signals.trigger()
                    }
                }
            }
            await signals.next()
            logger.notice("kioskd", "stopping")
            notify(["STOPPING=1", "STATUS=stopping"])
            await shutdown()
            group.cancelAll()
            return demoFailed ? 1 : 0
        }
    }

    private func shutdown() async {
        await ui?.stop()
        await pullListener?.stop()
        await metricsListener?.stop()
        if let pusher {
            // Off the concurrency pool: stop() waits (briefly) for the push thread.
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                Thread {
                    pusher.stop()
                    done.resume()
                }.start()
            }
        }
        for server in servers { server.stop() }
        let deadline = ContinuousClock.now + Self.printGracePeriod
        while ContinuousClock.now < deadline, await runner.isBusyEnding {
            try? await Task.sleep(for: .milliseconds(100))
        }
        if await runner.isPrintingLicence {
            logger.warning(
                "kioskd",
                "a licence print is still in progress; its job id is journalled and will be supervised at the next start"
            )
        }
        if await runner.isEndingSession {
            logger.warning(
                "kioskd", "an ended session is not yet recorded; the next start ends it again from its checkpoint")
        }
        await runner.stop()
        await deviceManager.stop()
        await terminal.receiptPrinter?.close()
        await terminal.ticketDispenser?.close()
        terminal.stopDevices()
        if let simulation {
            let printouts = simulation.writePrintouts()
            logger.info("simulate", "printouts written to \(printouts.receipts.path) and \(printouts.tickets.path)")
            simulation.stop()
        }
        await storeLane.close()
        statusStore.close()
    }

    /// Serves the touch UI on `ui.listen` (unless off) and lets its state follow the flow.
    private func startUI(in group: inout TaskGroup<Void>) throws {
        guard let listen = config.ui.listen else {
            logger.notice("ui", "the touch UI is off (ui.listen \"off\")")
            return
        }
        let listener = try UIListener(
            listen: listen, heartbeat: config.ui.heartbeat, runner: runner, terminal: terminal,
            inhibitions: inhibitions, kioskID: config.kioskID, policy: config.flow, clock: clock, metrics: metrics,
            logger: logger, camera: terminal.camera)
        ui = listener
        group.addTask { [runner] in await listener.hub.follow(runner) }
        if simulation != nil {
            logger.notice("simulate", "ui: \(listener.url)")
        } else {
            logger.notice("ui", "touch UI at \(listener.url)")
        }
        if let inhibition = inhibitions.inhibition {
            logger.warning(
                "ui",
                "the terminal is out of service since \(inhibition.since) (\(inhibition.by)): \(inhibition.reason)")
        }
    }

    private func startControlSockets() throws {
        let commands = ControlCommands(daemon: self)
        let ownUID = getuid()
        let status = try ControlServer(
            name: "kioskd.sock", path: controlSocketPath, mode: 0o660, logger: logger, admin: false,
            authorise: { _ in true }, handler: { request, peer in commands.handle(request, peer: peer) })
        let admin = try ControlServer(
            name: "admin.sock", path: adminSocketPath, mode: 0o600, logger: logger, admin: true,
            authorise: { peer in peer.map { $0.uid == 0 || $0.uid == ownUID } ?? false },
            handler: { request, peer in commands.handle(request, peer: peer) }, closed: { commands.closed($0) })
        servers = [status, admin]
        for server in servers {
            server.monitor = MonitorStream(hub: events)
            server.start()
        }
    }

    /// Card-reader events become flow events; the photo is dropped here and never goes further.
    private func pumpReaderEvents(_ reader: IDCardReader) async {
        for await event in reader.events {
            switch event {
            case .cardPresented:
                logger.debug("idReader", "card presented")
                events.publish(.card, "presented", text: "card presented")
                ui?.hub.cardDetected()
            case .cardRead(let card, _):
                // `idNumber` is PersonalText: its description is the masked number.
                logger.info("idReader", "card read: \(card.cardType.rawValue) \(card.idNumber)")
                events.publish(
                    .card, "read", ["cardType": card.cardType.rawValue, "idNumber": card.idNumber.masked],
                    text: "card read: \(card.cardType.rawValue) \(card.idNumber)")
                metrics.cardRead(result: "read")
                terminal.activity.count { $0.cardsRead += 1 }
                runner.post(.cardRead(card))
            case .cardError(let error):
                // The citizen's card, not the reader: a reader fault shows as its health, at warning.
                logger.notice("idReader", "card error: \(error.reasonCode)")
                events.publish(.card, "error", ["reason": error.reasonCode], text: "card error: \(error.reasonCode)")
                metrics.cardRead(result: error.reasonCode)
                terminal.activity.count { $0.cardErrors += 1 }
                runner.post(.cardError(reason: error.reasonCode))
            case .cardRemoved:
                events.publish(.card, "removed", text: "card removed")
                runner.post(.cardRemoved)
            case .health(let health):
                healthChanged(.idReader, health)
            }
        }
    }

    private func healthChanged(_ role: DeviceRole, _ health: DeviceHealth) {
        runner.report(role, deviceManager.presenting(role, health))
    }

    /// Polls the printers' status while idle (each driver rate-limits itself) and reports changes to the flow.
    private func watchPrinters() async {
        while !Task.isCancelled {
            if let printer = terminal.receiptPrinter { healthChanged(.receiptPrinter, await printer.pollIfIdle()) }
            if let dispenser = terminal.ticketDispenser {
                healthChanged(.ticketDispenser, await dispenser.pollIfIdle())
            }
            if let output = terminal.licenceOutput { healthChanged(.licencePrinter, await output.health()) }
            if let camera = terminal.camera { healthChanged(.camera, await camera.health) }
            try? await Task.sleep(for: .seconds(2))
        }
    }

    /// Pings systemd's watchdog only while the flow loop and the store lane both answer a probe within the interval,
    /// so a wedged daemon stops pinging and systemd restarts it.
    private func watchdog(every interval: Duration) async {
        var wedged: String?
        while !Task.isCancelled {
            let flowAnswers = await runner.answersProbe(within: interval)
            let storeAnswers = await firstAnswer(within: interval) { [storeLane] in await storeLane.probe() } ?? false
            let problem = !flowAnswers ? "the flow loop" : !storeAnswers ? "the store lane" : nil
            if let problem {
                if wedged != problem { logger.error("kioskd", "\(problem) does not answer; not pinging the watchdog") }
            } else {
                if wedged != nil { logger.notice("kioskd", "\(wedged ?? "") answers again") }
                notify(["WATCHDOG=1"])
            }
            wedged = problem
            try? await Task.sleep(for: interval)
        }
    }

    func notify(_ fields: [String]) {
        do { try notifier.notify(fields) } catch { logger.warning("systemd", "sd_notify failed: \(error)") }
    }

    var uptime: TimeInterval { clock().timeIntervalSince(startedAt) }

    /// What makes `/healthz` say degraded besides the devices: the centre refused a push batch, or applications are
    /// approved by the embedded authority outside simulation.
    var centralWarnings: [String] {
        var reasons: [String] = []
        if let reason = pusher?.healthReason { reasons.append(reason) }
        if embeddedAuthority != nil && simulation == nil { reasons.append("embedded-authority") }
        return reasons
    }

    /// The daemon's one wall clock (the flow's, the store's and transaction ids').
    let clock: @Sendable () -> Date = { Date() }
}
