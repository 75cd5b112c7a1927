import ArgumentParser
import Glibc
import StateStore
import SwkSupport

/// `swkubectl logs NAME [-c C] [-p] [--tail N] [--timestamps] [--since D] [-f]`: reads the CRI
/// log files the shim writes, `<pod-log-dir>/<ns>_<pod>_<uid>/<container>/<restart>.log`, one
/// per run of the container, lines `<RFC3339Nano> stdout|stderr P|F <text>` (`P` pieces of a long
/// line are joined up to their `F`). Works from the files alone, so it also works while the daemon
/// is down; `-f` follows the file and moves on to the next run's file when the container restarts.
public struct Logs: Sendable {
    public var name: String
    public var namespace = "default"
    public var container: String?
    public var previous = false
    public var tail: Int?
    public var timestamps = false
    public var follow = false
    /// Only lines newer than this many nanoseconds.
    public var since: Int64?

    public init(name: String) {
        self.name = name
    }

    /// How often `-f` looks for more output.
    static let pollNanos: Int64 = 250_000_000

    public func run(_ paths: Paths, _ ctx: Context) throws(SwkError) -> Output {
        let store = try paths.openState()
        var out = Output(stderr: try daemonWarning(store, ctx) ?? "")
        guard let (pod, c) = try findContainer(store, pod: name, namespace: namespace, container: container, into: &out) else {
            return out
        }
        let dir = "\(try paths.resolved(store, ctx).podLogDir)/\(pod.namespace)_\(pod.name)_\(pod.uid)/\(c.name)"
        let runs = logRuns(dir)
        let chosen = previous ? runs.dropLast().last : runs.last
        guard let run = chosen else {
            if previous {
                out.stderr += "Error from server (BadRequest): previous terminated container \"\(c.name)\" in pod \"\(pod.name)\" not found\n"
                out.exitCode = 1
            } else if c.state == .waiting {
                out.stderr += "Error from server (BadRequest): container \"\(c.name)\" in pod \"\(pod.name)\" is waiting to start: \(c.reason.isEmpty ? "ContainerCreating" : c.reason)\n"
                out.exitCode = 1
            }
            return out
        }
        var reader = CRILogReader()
        var file = LogFile(path: "\(dir)/\(run).log")
        var lines = reader.feed(try file.readMore())
        if let since { lines.removeAll { $0.time < ctx.now - since } }
        if let tail { lines = Array(lines.suffix(max(tail, 0))) }
        out.stdout = format(lines)
        guard follow && !previous else { return out }

        // Follow: print what there is, then poll for more (and for the next run's file).
        guard ctx.emit(out) else { return Output() }
        var current = run
        while true {
            ctx.pause(Self.pollNanos)
            var text = format(reader.feed(try file.readMore()))
            if let next = logRuns(dir).first(where: { $0 > current }) {
                text += format(reader.feed(try file.readMore()) + reader.flush())
                current = next
                file = LogFile(path: "\(dir)/\(next).log")
                text += format(reader.feed(try file.readMore()))
            }
            // Emitted even when empty: that is where a gone reader is noticed.
            if !ctx.emit(Output(stdout: text)) { return Output() }
            // Stop when the pod is gone or its containers are done for good, as kubectl does when
            // the container's stream ends.
            guard let now = try store.pod(namespace: namespace, name: name), now.uid == pod.uid else { break }
            if now.phase.isTerminal {
                _ = ctx.emit(Output(stdout: format(reader.feed(try file.readMore()) + reader.flush())))
                break
            }
        }
        return Output()
    }

    private func format(_ lines: [CRILogReader.Line]) -> String {
        lines.map { timestamps ? "\($0.timestamp) \($0.text)\n" : "\($0.text)\n" }.joined()
    }

    /// The run numbers that have a log file, ascending.
    private func logRuns(_ dir: String) -> [Int] {
        ((try? FS.list(dir)) ?? []).compactMap { name in
            name.hasSuffix(".log") ? Int(name.dropLast(4)) : nil
        }.sorted()
    }
}

/// The pod and the container a `logs` or `exec` names; nil after writing kubectl's error (unknown
/// pod, a completed pod when `running` is asked, no such container) into `out`.
func findContainer(_ store: StateStore, pod name: String, namespace: String, container: String?,
                   requireActivePod: Bool = false, into out: inout Output) throws(SwkError) -> (PodRecord, ContainerRecord)? {
    guard let pod = try store.pod(namespace: namespace, name: name) else {
        out.stderr += podNotFound(name, namespace: namespace, in: try store.pods())
        out.exitCode = 1
        return nil
    }
    if requireActivePod && pod.phase.isTerminal {
        out.stderr += "error: cannot exec into a container in a completed pod; current phase is \(pod.phase.rawValue)\n"
        out.exitCode = 1
        return nil
    }
    switch chooseContainer(pod, container) {
    case .failure(let error):
        out.stderr += error.message
        out.exitCode = 1
        return nil
    case .success(let found):
        return (pod, found)
    }
}

/// The container `-c` names, or the only app container; kubectl's error texts otherwise.
func chooseContainer(_ pod: PodRecord, _ name: String?) -> Result<ContainerRecord, LookupError> {
    if let name {
        guard let c = pod.containers.first(where: { $0.name == name }) else {
            return .failure(LookupError("error: container \(name) is not valid for pod \(pod.name)\n"))
        }
        return .success(c)
    }
    let apps = pod.containers.filter { !$0.isInit }
    if apps.count == 1 { return .success(apps[0]) }
    let inits = pod.containers.filter(\.isInit)
    var message = "error: a container name must be specified for pod \(pod.name), choose one of: [\(apps.map(\.name).joined(separator: " "))]"
    if !inits.isEmpty { message += " or one of the init containers: [\(inits.map(\.name).joined(separator: " "))]" }
    return .failure(LookupError(message + "\n"))
}

/// A lookup that failed with a ready-made message for stderr.
struct LookupError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// A log file read incrementally from where the last read stopped; a file not there yet reads empty.
/// One run's log file, read incrementally. The shim rotates by renaming `<n>.log` to
/// `<n>.log.<time>` and starting a new `<n>.log`: when the path's inode changes, the rest of the
/// renamed file is read first, then the new file from its start, so `-f` loses no line.
struct LogFile {
    let path: String
    private var offset: off_t = 0
    private var inode: ino_t?

    init(path: String) {
        self.path = path
    }

    mutating func readMore() throws(SwkError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return [] }
            throw .errno("open log \(path)")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .errno("stat log \(path)") }
        var bytes: [UInt8] = []
        if let inode, inode != st.st_ino {
            if let rotated = rotatedFile(inode: inode) {
                let old = open(rotated, O_RDONLY | O_CLOEXEC)
                if old >= 0 {
                    defer { close(old) }
                    bytes = try Self.read(old, from: &offset, path: rotated)
                }
            }
            offset = 0
        }
        inode = st.st_ino
        return bytes + (try Self.read(fd, from: &offset, path: path))
    }

    /// The rotated sibling (`<name>.<suffix>`) that is the file once read as `path`.
    private func rotatedFile(inode: ino_t) -> String? {
        let dir = FS.dirname(of: path), name = FS.basename(of: path)
        for entry in (try? FS.list(dir)) ?? [] where entry.hasPrefix("\(name).") {
            var st = stat()
            if stat("\(dir)/\(entry)", &st) == 0 && st.st_ino == inode { return "\(dir)/\(entry)" }
        }
        return nil
    }

    private static func read(_ fd: Int32, from offset: inout off_t, path: String) throws(SwkError) -> [UInt8] {
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw .errno("read log \(path)") }
            if n == 0 { return bytes }
            bytes.append(contentsOf: buf[0..<n])
            offset += off_t(n)
        }
    }
}

/// Turns CRI log bytes into lines: whole records only (a record cut off at the end of what has
/// been read waits for the rest), `P` pieces joined per stream up to their `F`.
struct CRILogReader {
    struct Line: Equatable {
        var timestamp: String
        var time: Int64
        var text: String
    }

    private var leftover: [UInt8] = []
    /// Partial pieces per stream: the first piece's timestamp and the text so far.
    private var partial: [String: (String, Int64, [UInt8])] = [:]

    mutating func feed(_ bytes: [UInt8]) -> [Line] {
        leftover += bytes
        var lines: [Line] = []
        var start = 0
        while let nl = leftover[start...].firstIndex(of: UInt8(ascii: "\n")) {
            if let line = record(leftover[start..<nl]) { lines.append(line) }
            start = nl + 1
        }
        leftover.removeFirst(start)
        return lines
    }

    /// At the end of a file: pieces never finished by an `F` are still output.
    mutating func flush() -> [Line] {
        let lines = partial.sorted { $0.value.1 < $1.value.1 }.map { Line(timestamp: $0.value.0, time: $0.value.1, text: String(decoding: $0.value.2, as: UTF8.self)) }
        partial = [:]
        leftover = []
        return lines
    }

    private mutating func record(_ raw: ArraySlice<UInt8>) -> Line? {
        // <timestamp> <stream> <P|F> <text>; the text may be empty and may contain spaces.
        let parts = raw.split(separator: UInt8(ascii: " "), maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        let stamp = String(decoding: parts[0], as: UTF8.self)
        let stream = String(decoding: parts[1], as: UTF8.self)
        guard let time = TimeText.parseRFC3339(Substring(stamp)) else { return nil }
        let text = parts.count == 4 ? Array(parts[3]) : []
        let isPartial = parts[2].elementsEqual("P".utf8)
        var piece = partial.removeValue(forKey: stream) ?? (stamp, time, [])
        piece.2 += text
        if isPartial {
            partial[stream] = piece
            return nil
        }
        return Line(timestamp: piece.0, time: piece.1, text: String(decoding: piece.2, as: UTF8.self))
    }
}

struct LogsCommand: KubeCtlCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print the logs of a container in a pod.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .customLong("namespace")], help: "The namespace.") var namespace = "default"
    @Option(name: [.short, .customLong("container")], help: "The container (required when the pod has several).")
    var container: String?
    @Flag(name: [.short, .customLong("previous")], help: "The previous run of the container.") var previous = false
    @Flag(name: [.short, .customLong("follow")], help: "Keep printing new output.") var follow = false
    @Option(help: "Lines from the end to show (-1: all).") var tail = -1
    @Flag(help: "Prefix each line with its RFC3339 timestamp.") var timestamps = false
    @Option(help: "Only lines newer than a duration (5s, 2m, 3h).") var since: String?
    @Argument(help: "The pod name.", completion: .custom(podNames)) var name: String

    func validate() throws {
        if let since, TimeText.parseDuration(since) == nil {
            throw ValidationError("invalid argument \"\(since)\" for \"--since\" flag: time: invalid duration \"\(since)\"")
        }
    }

    func output(_ ctx: Context) throws(SwkError) -> Output {
        var logs = Logs(name: name)
        logs.namespace = namespace
        logs.container = container
        logs.previous = previous
        logs.follow = follow
        logs.tail = tail < 0 ? nil : tail
        logs.timestamps = timestamps
        logs.since = since.flatMap(TimeText.parseDuration)
        return try logs.run(global.paths, ctx)
    }
}
