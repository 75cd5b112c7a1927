import OCI
import SwkSupport

/// `update [--resources F|-] [--memory N …] ID`: new limits for a live container's cgroup.
enum UpdateCommand {
    static let shape = Arguments.Shape(
        valued: ["resources", "memory", "memory-reservation", "memory-swap", "cpu-shares", "cpu-quota",
                 "cpu-period", "cpuset-cpus", "cpuset-mems", "pids-limit"],
        aliases: ["r": "resources", "m": "memory"])

    static func run(_ args: ArraySlice<String>, _ ctx: Context) throws(SwkError) -> Int32 {
        let a = try Arguments.parse(args, shape)
        let id = try requirePositional(a, ["container id"], command: "update")[0]
        let dir = try ctx.dir(id)
        let record = try dir.load()
        var r = LinuxResources()
        if let file = a.value("resources") { r = try Config.decode(LinuxResources.self, path: file) }
        func int(_ name: String) throws(SwkError) -> Int64? {
            guard let text = a.value(name) else { return nil }
            guard let v = Int64(text) else { throw SwkError(.invalidArgument, "update: --\(name): \(text) is not a number") }
            return v
        }
        if let v = try int("memory") { r.memory = r.memory ?? LinuxMemory(); r.memory?.limit = v }
        if let v = try int("memory-reservation") { r.memory = r.memory ?? LinuxMemory(); r.memory?.reservation = v }
        if let v = try int("memory-swap") { r.memory = r.memory ?? LinuxMemory(); r.memory?.swap = v }
        if let v = try int("cpu-shares") { r.cpu = r.cpu ?? LinuxCPU(); r.cpu?.shares = UInt64(max(0, v)) }
        if let v = try int("cpu-quota") { r.cpu = r.cpu ?? LinuxCPU(); r.cpu?.quota = v }
        if let v = try int("cpu-period") { r.cpu = r.cpu ?? LinuxCPU(); r.cpu?.period = UInt64(max(0, v)) }
        if let v = a.value("cpuset-cpus") { r.cpu = r.cpu ?? LinuxCPU(); r.cpu?.cpus = v }
        if let v = a.value("cpuset-mems") { r.cpu = r.cpu ?? LinuxCPU(); r.cpu?.mems = v }
        if let v = try int("pids-limit") { r.pids = LinuxPids(limit: v) }
        let host = Cgroups.Host.current
        guard record.status(in: dir, host: host) != .stopped else {
            throw SwkError(.failedPrecondition, "cannot update container \(id): it has stopped")
        }
        try Cgroups.apply(record.cgroup(host), r)
        return 0
    }
}
