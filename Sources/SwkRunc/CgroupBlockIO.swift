import OCI
import SwkSupport

/// `linux.resources.blockIO`: weights and per-device throttling, on blkio (v1) or io (v2).
extension Cgroups {
    static func applyBlockIO(_ c: Container, _ io: LinuxBlockIO) throws(SwkError) {
        guard let (dir, v2) = c.directory(for: v2Name("blkio", c)) else {
            if io != LinuxBlockIO() {
                throw SwkError(.failedPrecondition, "linux.resources.blockIO: no blkio/io controller on this host")
            }
            return
        }
        if v2 {
            try applyIOv2(dir, io)
        } else {
            try applyBlkioV1(dir, io)
        }
    }

    /// The four throttles as (v1 file suffix, v2 io.max key, devices).
    private static func throttles(_ io: LinuxBlockIO) -> [(v1: String, v2: String, devices: [LinuxThrottleDevice])] {
        [("read_bps_device", "rbps", io.throttleReadBpsDevice ?? []),
         ("write_bps_device", "wbps", io.throttleWriteBpsDevice ?? []),
         ("read_iops_device", "riops", io.throttleReadIOPSDevice ?? []),
         ("write_iops_device", "wiops", io.throttleWriteIOPSDevice ?? [])]
    }

    /// v1: one line per device and file; a rate of 0 removes that device's limit.
    private static func applyBlkioV1(_ dir: String, _ io: LinuxBlockIO) throws(SwkError) {
        if let weight = io.weight { try write("\(dir)/blkio.weight", String(weight)) }
        if let leaf = io.leafWeight { try write("\(dir)/blkio.leaf_weight", String(leaf)) }
        for d in io.weightDevice ?? [] {
            if let w = d.weight { try write("\(dir)/blkio.weight_device", "\(d.major):\(d.minor) \(w)") }
            if let w = d.leafWeight { try write("\(dir)/blkio.leaf_weight_device", "\(d.major):\(d.minor) \(w)") }
        }
        for (file, _, devices) in throttles(io) {
            for d in devices {
                try write("\(dir)/blkio.throttle.\(file)", "\(d.major):\(d.minor) \(d.rate)")
            }
        }
    }

    /// v2: weights on io.weight (the v1 range 10–1000 mapped onto 1–10000, as runc does) and all
    /// of a device's throttles on one io.max line; 0 means no limit ("max").
    private static func applyIOv2(_ dir: String, _ io: LinuxBlockIO) throws(SwkError) {
        func v2Weight(_ w: UInt16) -> UInt32 { 1 + (UInt32(max(10, min(w, 1000))) - 10) * 9999 / 990 }
        if let weight = io.weight { try write("\(dir)/io.weight", "default \(v2Weight(weight))") }
        for d in io.weightDevice ?? [] {
            if let w = d.weight { try write("\(dir)/io.weight", "\(d.major):\(d.minor) \(v2Weight(w))") }
        }
        var lines: [String: String] = [:]
        var order: [String] = []
        for (_, key, devices) in throttles(io) {
            for d in devices {
                let dev = "\(d.major):\(d.minor)"
                if lines[dev] == nil { order.append(dev) }
                lines[dev, default: dev] += " \(key)=\(d.rate == 0 ? "max" : String(d.rate))"
            }
        }
        for dev in order { try write("\(dir)/io.max", lines[dev] ?? dev) }
    }
}
