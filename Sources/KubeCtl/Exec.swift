import ArgumentParser
import Glibc
import StateStore
import SwkSupport

/// `swkubectl exec NAME [-c C] [-i] [-t] -- CMD…`: runs a command in a running container by
/// calling the node's OCI runtime directly, `<runtime> --root <state root> exec [--tty
/// --console-socket S] <container-id> CMD…` (without `-t` in its own session, over pipes we
/// relay: `ExecRelay`), the way the daemon's shims call it (no daemon round trip, so it also
/// works while swkubelet is down). The runtime and its state root are the ones the daemon
/// recorded (else `swkube-runc` beside swkubectl and `<run-dir>/runc`). Exits with the command's
/// exit status.
public struct Exec: Sendable {
    public var name: String
    public var namespace = "default"
    public var container: String?
    /// Pass our standard input to the command (`-i`); otherwise it reads /dev/null.
    public var stdin = false
    /// Run the command on a terminal whose other end is ours, resized with ours (`-t`).
    public var tty = false
    public var command: [String]

    public init(name: String, command: [String]) {
        self.name = name
        self.command = command
    }

    public func run(_ paths: Paths, _ ctx: Context) throws(SwkError) -> Output {
        let store = try paths.openState()
        var out = Output(stderr: try daemonWarning(store, ctx) ?? "")
        guard let (_, c) = try findContainer(store, pod: name, namespace: namespace, container: container,
                                               requireActivePod: true, into: &out) else {
            return out
        }
        guard c.state == .running, !c.containerID.isEmpty else {
            out.stderr += "error: unable to upgrade connection: container not found (\"\(c.name)\")\n"
            out.exitCode = 1
            return out
        }
        let settings = try paths.resolved(store, ctx)
        guard access(settings.runtime, X_OK) == 0 else {
            throw SwkError(.notFound, "oci runtime \(settings.runtime) is not executable (use --runtime)")
        }
        // Flush the warning now: the command's own output follows on the same descriptors.
        if !out.stderr.isEmpty { _ = ctx.emit(Output(stderr: out.stderr)) }
        let argv = [settings.runtime, "--root", settings.runtimeRoot, "exec"]
        let status = tty
            ? try Console.run(argv, id: c.containerID, command: command, forwardInput: stdin, ctx)
            : try ExecRelay.run(argv + [c.containerID] + command, forwardInput: stdin, ctx)
        return Output(stderr: status == 0 ? "" : "command terminated with exit code \(status)\n", exitCode: status)
    }
}

/// Runs `body` with SIGINT, SIGQUIT and SIGTSTP ignored here: the terminal sends them to the
/// whole foreground process group, so the runtime (which forwards them into the container) gets
/// them and we live on to report its exit status.
func withSignalsLeftToTheChild<T>(_ body: () throws(SwkError) -> T) throws(SwkError) -> T {
    let signals = [SIGINT, SIGQUIT, SIGTSTP]
    let previous = signals.map { signal($0, SIG_IGN) }
    defer { for (sig, handler) in zip(signals, previous) { signal(sig, handler) } }
    return try body()
}

struct ExecCommand: KubeCtlCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Run a command in a container.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .customLong("namespace")], help: "The namespace.") var namespace = "default"
    @Option(name: [.short, .customLong("container")], help: "The container (required when the pod has several).")
    var container: String?
    @Flag(name: [.customShort("i"), .customLong("stdin")], help: "Pass standard input to the command.") var stdin = false
    @Flag(name: [.short, .customLong("tty")], help: "Allocate a terminal for the command.") var tty = false
    @Argument(help: "The pod name.", completion: .custom(podNames)) var name: String
    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.") var command: [String] = []

    func validate() throws {
        if command.isEmpty { throw ValidationError("you must specify at least one command for the container") }
    }

    func output(_ ctx: Context) throws(SwkError) -> Output {
        var exec = Exec(name: name, command: command)
        exec.namespace = namespace
        exec.container = container
        exec.stdin = stdin
        exec.tty = tty
        return try exec.run(global.paths, ctx)
    }
}
