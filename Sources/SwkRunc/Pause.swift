import SwkSupport

/// `pause ID` / `resume ID`: the freezer of the container's cgroup.
enum PauseCommand {
    static func run(_ args: ArraySlice<String>, _ ctx: Context, frozen: Bool) throws(SwkError) -> Int32 {
        let a = try Arguments.parse(args, Arguments.Shape())
        let verb = frozen ? "pause" : "resume"
        let id = try requirePositional(a, ["container id"], command: verb)[0]
        let dir = try ctx.dir(id)
        let record = try dir.load()
        let host = Cgroups.Host.current
        let status = record.status(in: dir, host: host)
        let expected: Status = frozen ? .running : .paused
        guard status == expected else {
            throw SwkError(.failedPrecondition, "cannot \(verb) container \(id): it is \(status.rawValue)")
        }
        try Cgroups.setFrozen(record.cgroup(host), frozen)
        return 0
    }
}
