/// Human-readable sizes and durations for progress and reports.
public enum ByteFormat {
    /// 1536 -> "1.5 KiB"; bytes below 1 KiB are shown exactly.
    public static func size(_ bytes: Int64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB"]
        if bytes < 1024 { return "\(bytes) B" }
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return oneDecimal(value) + " " + units[unit]
    }

    /// 75.0 -> "1:15"; 3725 -> "1:02:05".
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let whole = Int(seconds.rounded())
        let (hours, minutes, secs) = (whole / 3600, whole / 60 % 60, whole % 60)
        let mmss = (secs < 10 ? "\(minutes):0\(secs)" : "\(minutes):\(secs)")
        if hours == 0 { return mmss }
        return "\(hours):\(minutes < 10 ? "0" : "")\(mmss)"
    }

    /// 1.234 -> "1.2"
    public static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// A duration in seconds, as a Double.
    public static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
