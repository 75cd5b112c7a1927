import ArgumentParser
import Dispatch
import Glibc
import ImageStore
import SwkSupport
import Synchronization

/// `swkubectl pull REF`: pulls an image from its registry into the node's image store and unpacks
/// it (as `ctr pull` does), with the registries file the daemon uses. On a terminal, one line per
/// layer with bytes so far, redrawn in place; otherwise a plain line per finished layer. The last
/// line is crictl's `Image is up to date for REF` when the name already pointed at that manifest,
/// else `pulled REF (DIGEST)`.
struct PullCommand: KubeCtlCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull", abstract: "Pull an image from a registry into the node's image store.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("registry-config"), help: "Registries file in k3s's format (mirrors, credentials).")
    var registryConfig = RegistryConfig.defaultPath
    @Argument(help: "The image reference, e.g. busybox:1.36 or registry.local:5000/app@sha256:….") var reference: String

    func output(_ ctx: Context) throws(SwkError) -> Output {
        // The command tree is synchronous; the pull runs as a task while this thread waits. The
        // task prefers its own queue: parked on the shared pool, it could wait for a pool thread
        // that is blocked here (golden tests call commands from pool threads).
        let result = Mutex<Result<Output, SwkError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: QueueTaskExecutor()) {
            let outcome: Result<Output, SwkError>
            do throws(SwkError) { outcome = .success(try await pull(ctx)) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0 ?? .failure(SwkError(.internal, "pull \(reference) ended without a result")) }.get()
    }

    /// The pull itself; tests call it directly.
    func pull(_ ctx: Context) async throws(SwkError) -> Output {
        guard let makeTransport = ctx.makeRegistryTransport else {
            throw SwkError(.failedPrecondition, "pull \(reference): this build of swkubectl has no registry transport")
        }
        let name = try ImageReference.normalize(reference)
        let (config, warnings) = try RegistryConfig.load(file: registryConfig)
        var out = Output(stderr: warnings.map { "warning: \($0)\n" }.joined())
        let store = try ImageStore(root: global.rootDir)
        let before = try store.resolve(name)?.manifestDigest
        let display = PullProgress(tty: isatty(ctx.stdoutFD) == 1, emit: ctx.emit, clock: ctx.clock)
        let transport = try makeTransport(config, registryConfig)
        var client = RegistryClient(transport: transport, config: config)
        client.progress = { display.update($0) }
        let pulled: Result<ImageRecord, SwkError>
        do throws(SwkError) { pulled = .success(try await client.pull(name, into: store)) } catch { pulled = .failure(error) }
        await transport.shutdown()
        let record = try pulled.get()
        display.finish()
        _ = try store.lowerDirs(for: record)
        out.stdout = record.manifestDigest == before
            ? "Image is up to date for \(name)\n"
            : "pulled \(name) (\(record.manifestDigest))\n"
        return out
    }
}

/// Runs the jobs of tasks that prefer it on a Dispatch queue of its own.
final class QueueTaskExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "swkubectl.pull", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// Per-layer progress lines. Updates come from the download tasks; the lock keeps lines whole.
final class PullProgress: Sendable {
    struct Layer {
        var digest: String
        var completed: Int64
        var total: Int64
    }

    struct State {
        var layers: [Layer] = []
        var drawnLines = 0
        var lastDraw: Int64 = 0
    }

    let tty: Bool
    let emit: @Sendable (Output) -> Bool
    let clock: @Sendable () -> Int64
    private let state = Mutex(State())

    init(tty: Bool, emit: @escaping @Sendable (Output) -> Bool, clock: @escaping @Sendable () -> Int64) {
        self.tty = tty
        self.emit = emit
        self.clock = clock
    }

    func update(_ p: RegistryClient.Progress) {
        state.withLock { s in
            let layer = Layer(digest: p.digest, completed: p.completed, total: p.total)
            if let i = s.layers.firstIndex(where: { $0.digest == p.digest }) {
                s.layers[i] = layer
            } else {
                s.layers.append(layer)
            }
            let finished = p.completed >= p.total
            if tty {
                // At most ten redraws a second, plus one when a layer completes.
                let now = clock()
                guard finished || now - s.lastDraw >= 100_000_000 else { return }
                s.lastDraw = now
                redraw(&s)
            } else if finished {
                _ = emit(Output(stdout: Self.line(layer)))
            }
        }
    }

    /// Draws the final state once more, so the terminal shows every layer complete.
    func finish() {
        guard tty else { return }
        state.withLock { redraw(&$0) }
    }

    private func redraw(_ s: inout State) {
        var text = s.drawnLines > 0 ? "\u{1B}[\(s.drawnLines)A" : ""
        for layer in s.layers { text += "\r\u{1B}[K" + Self.line(layer) }
        s.drawnLines = s.layers.count
        _ = emit(Output(stdout: text))
    }

    static func line(_ layer: Layer) -> String {
        let short = layer.digest.split(separator: ":").last.map { String($0.prefix(12)) } ?? layer.digest
        let state = layer.completed >= layer.total ? "done" : "downloading"
        return "\(short): \(state) \(humanSize(layer.completed))/\(humanSize(layer.total))\n"
    }
}
