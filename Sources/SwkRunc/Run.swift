import Glibc
import SwkSupport

/// `run [-d] ID`: create + start. In the foreground the init is our own child: wait for it,
/// delete the container and exit with its status (128+signal when killed), as runc does.
enum RunCommand {
    static let shape = Arguments.Shape(
        valued: ["bundle", "pid-file", "console-socket", "preserve-fds", "pidfd-socket"],
        boolean: ["detach", "no-pivot", "no-new-keyring", "keep", "no-subreaper"],
        aliases: ["b": "bundle", "d": "detach"])

    static func run(_ args: ArraySlice<String>, _ ctx: Context) throws(SwkError) -> Int32 {
        let a = try Arguments.parse(args, shape)
        let id = try requirePositional(a, ["container id"], command: "run")[0]
        let options = try CreateCommand.Options(a)
        let detach = a.has("detach")
        // Blocked before the init is cloned: a signal that comes while it starts is relayed, not fatal to us.
        let signals = ForwardedSignals.block()
        defer { signals.restore() }
        let record = try CreateCommand.create(id: id, options: options, ctx)
        let dir = try ctx.dir(id)
        if !detach && record.config.process?.terminal == true && options.consoleSocket == nil {
            try? DeleteCommand.delete(dir, force: true, log: ctx.log, known: record)
            throw SwkError(.invalidArgument, "run: a terminal without --console-socket is not supported; use --detach with --console-socket")
        }
        do {
            try StartCommand.start(id: id, ctx, known: record)
        } catch {
            try? DeleteCommand.delete(dir, force: true, log: ctx.log, known: record)
            throw error
        }
        if detach { return 0 }
        let status = try signals.relayUntilExit(record.pid)
        if !a.has("keep") { try DeleteCommand.delete(dir, force: true, log: ctx.log, known: record) }
        return Spawn.exitCode(fromWaitStatus: status)
    }
}
