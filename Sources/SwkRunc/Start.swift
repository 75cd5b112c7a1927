import CSwkSys
import Glibc
import OCI
import SwkSupport

/// `start`: open the exec FIFO for reading, which releases the init blocked on it, then remove
/// the FIFO (its absence is what makes the status `running`).
enum StartCommand {
    static func run(_ args: ArraySlice<String>, _ ctx: Context) throws(SwkError) -> Int32 {
        let a = try Arguments.parse(args, Arguments.Shape())
        let id = try requirePositional(a, ["container id"], command: "start")[0]
        try start(id: id, ctx)
        return 0
    }

    /// `known`: the record `run` has just created, instead of reading state.json back.
    static func start(id: String, _ ctx: Context, known: ContainerRecord? = nil) throws(SwkError) {
        let dir = try ctx.dir(id)
        let record = if let known { known } else { try dir.load() }
        let status = record.status(in: dir, host: Cgroups.Host.current)
        switch status {
        case .created: break
        case .stopped: throw SwkError(.failedPrecondition, "cannot start container \(id): it has stopped")
        case .running, .paused: throw SwkError(.failedPrecondition, "cannot start container \(id): it is already \(status.rawValue)")
        }
        // Non-blocking open: a blocking one would hang forever if the init died meanwhile.
        let fd = open(dir.fifoPath, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .errno("open exec fifo \(dir.fifoPath)") }
        defer { close(fd) }
        var released = false
        while !released {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, 100)
            if r < 0 && errno != EINTR { throw .errno("poll exec fifo \(dir.fifoPath)") }
            if r > 0 {
                var byte: UInt8 = 0
                let n = read(fd, &byte, 1)
                if n == 1 { released = true; break }
                if n < 0 && (errno == EAGAIN || errno == EINTR) { continue }
            }
            if !ProcessInfo.isAlive(record.pid, startTime: record.startTime) {
                throw SwkError(.failedPrecondition, "cannot start container \(id): its init exited before start")
            }
        }
        unlink(dir.fifoPath)
        // The process runs already: a failing poststart hook is a warning (runtime-spec).
        for failure in Hooks.runAll(record.config.hooks?.poststart, state: record.ociState(.running), name: "poststart") {
            ctx.log.warning(failure.message)
        }
    }
}

/// `state ID`: the OCI state as JSON.
enum StateCommand {
    static func run(_ args: ArraySlice<String>, _ ctx: Context) throws(SwkError) -> Int32 {
        let a = try Arguments.parse(args, Arguments.Shape())
        let id = try requirePositional(a, ["container id"], command: "state")[0]
        let dir = try ctx.dir(id)
        let record = try dir.load()
        let state = record.ociState(record.status(in: dir, host: Cgroups.Host.current))
        emit(StateJSON.render(state) + "\n")
        return 0
    }
}

/// The state document in runc's field order and indentation (tools diff it against runc's).
enum StateJSON {
    /// One line, for hooks' stdin and `list --format json`.
    static func compact(_ s: State) -> String {
        var fields = [
            ("ociVersion", JSONText.quote(s.ociVersion)), ("id", JSONText.quote(s.id)), ("pid", String(s.pid)),
            ("status", JSONText.quote(s.status)), ("bundle", JSONText.quote(s.bundle)),
            ("rootfs", JSONText.quote(s.rootfs)), ("created", JSONText.quote(s.created)), ("owner", JSONText.quote(s.owner)),
        ]
        if let annotations = s.annotations, !annotations.isEmpty { fields.append(("annotations", JSONText.stringMap(annotations))) }
        return JSONText.object(fields)
    }

    static func render(_ s: State) -> String {
        var lines = [
            "  \"ociVersion\": \(JSONText.quote(s.ociVersion))", "  \"id\": \(JSONText.quote(s.id))",
            "  \"pid\": \(s.pid)", "  \"status\": \(JSONText.quote(s.status))",
            "  \"bundle\": \(JSONText.quote(s.bundle))", "  \"rootfs\": \(JSONText.quote(s.rootfs))",
            "  \"created\": \(JSONText.quote(s.created))", "  \"owner\": \(JSONText.quote(s.owner))",
        ]
        if let annotations = s.annotations, !annotations.isEmpty {
            let body = annotations.sorted { $0.key < $1.key }
                .map { "    \(JSONText.quote($0.key)): \(JSONText.quote($0.value))" }.joined(separator: ",\n")
            lines.append("  \"annotations\": {\n\(body)\n  }")
        }
        return "{\n" + lines.joined(separator: ",\n") + "\n}"
    }
}
