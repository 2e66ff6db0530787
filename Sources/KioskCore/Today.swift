import Foundation

/// Converts an instant to the calendar date of a time zone. Executables read the clock and pass `now`; pure code
/// takes the date as an argument.
public enum Today {
    /// Today's date in the given time zone (the kiosk's local time by default; China has one zone, UTC+8).
    public static func civilDate(in timeZone: TimeZone = .current, now: Date) -> CivilDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: now)
        return CivilDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
            ?? CivilDate(daysSinceEpoch: 0)
    }
}
