/// The one shape of every driver (docs/ARCHITECTURE.md §4.1, docs/adding-a-device.md): an actor that owns one device,
/// runs until stopped, and does its blocking I/O on a `BlockingLane` of its own, so `stop()` wakes a call blocked on
/// the device at once instead of waiting out its deadline.
public protocol DeviceService: Actor {
    /// How the device is doing now (the one health model).
    var health: DeviceHealth { get }
    /// Drives the device — polls, reopens after failures — until `stop()` or the task's cancellation. Call once.
    func run() async
    /// Ends `run()` and closes the device's lane: a call blocked on the device is woken at once (as stopped), and
    /// later calls fail without touching the device. From any thread, without waiting for the actor.
    nonisolated func stop()
    /// The hotplug monitor saw the device settle, perhaps on a new node: open it now instead of after the driver's
    /// own back-off. Never interrupts a job in progress.
    func reopenNow() async
}
