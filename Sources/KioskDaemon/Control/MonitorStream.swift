import Foundation
import KioskControl
import KioskIO

/// `{"command":"monitor"}` on either control socket: the connection turns into a stream. kioskd answers
/// `{"class":"monitor","ok":true}`, then writes one `{"class":"event",…}` line per event (`MonitorEvent`) and a
/// `{"class":"heartbeat"}` line when nothing happened for `heartbeat`, until the client hangs up or kioskd stops. A
/// subscriber that falls behind gets one `monitor`/`dropped` event saying so and is disconnected.
struct MonitorStream: Sendable {
    let hub: EventHub
    static let heartbeat: TimeInterval = 5

    func serve(_ channel: LineChannel, isStopped: @Sendable () -> Bool) {
        let subscription = hub.subscribe()
        defer { hub.unsubscribe(subscription) }
        do {
            try channel.write(MonitorAnswer())
        } catch { return }
        while !isStopped() {
            switch subscription.next(waitingAtMost: Self.heartbeat) {
            case .events(let events):
                for event in events {
                    do { try channel.write(event) } catch { return }
                }
            case .idle:
                // Also how a client that went away is noticed while nothing happens.
                do { try channel.write(MonitorHeartbeat()) } catch { return }
            case .overflowed(let dropped):
                let note = MonitorEvent(
                    kind: .monitor, event: "dropped", detail: ["dropped": String(dropped)],
                    text: "this monitor fell behind by \(dropped) events and is disconnected; start it again")
                try? channel.write(note, deadline: .after(.milliseconds(500)))
                return
            case .closed:
                return
            }
        }
    }
}
