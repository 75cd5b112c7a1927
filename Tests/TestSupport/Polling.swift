import Glibc

/// Polls `condition` every `pause` seconds until it holds or `seconds` pass: tests wait on another
/// process's state this way (bounded, never a fixed sleep standing in for an event).
@discardableResult
public func waitUntil(seconds: Double, pause: Double = 0.1, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = monotonicSeconds() + seconds
    while monotonicSeconds() < deadline {
        if try condition() { return true }
        var ts = timespec(tv_sec: Int(pause), tv_nsec: Int((pause - Double(Int(pause))) * 1e9))
        nanosleep(&ts, nil)
    }
    return try condition()
}

public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
