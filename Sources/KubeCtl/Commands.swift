import ArgumentParser
import SwkSupport

/// The version `swkubectl version` reports.
public let swkubeVersion = "v0.1.0"

/// The `swkubectl` command tree. `execute` parses and runs a command line and returns what to
/// print, so the executable stays a thin main and golden tests drive the same code path.
public struct Swkubectl: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "swkubectl",
        abstract: "Inspect the pods of this swkube node.",
        subcommands: [Get.self, Describe.self, LogsCommand.self, ExecCommand.self, ApplyCommand.self, DeleteCommand.self,
                      Top.self, ImagesCommand.self, PullCommand.self, ImportCommand.self, RmiCommand.self, Version.self,
                      CompletionCommand.self])

    public init() {}

    /// Parses `arguments` (without the program name) and runs the command against `ctx`.
    /// Exit status 0 on success, 1 on any error (usage errors included), as kubectl does.
    public static func execute(_ arguments: [String], _ ctx: Context) -> Output {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(movingGlobalOptionsLast(arguments))
        } catch {
            return output(for: error)
        }
        guard let runnable = command as? any KubeCtlCommand else {
            // `help`, and a group named without a verb: ArgumentParser prints or throws the help.
            do {
                try command.run()
                return Output()
            } catch {
                return output(for: error)
            }
        }
        do {
            return try runnable.output(ctx)
        } catch {
            return Output(stderr: "error: \(error)\n", exitCode: 1)
        }
    }

    private static func output(for error: any Error) -> Output {
        let message = fullMessage(for: error)
        let text = message.isEmpty || message.hasSuffix("\n") ? message : message + "\n"
        return exitCode(for: error) == .success ? Output(stdout: text) : Output(stderr: text, exitCode: 1)
    }

    /// The command's verb (`get`, `pull`, …): the first word once the global options are set aside.
    public static func verb(of arguments: [String]) -> String? {
        movingGlobalOptionsLast(arguments).first { !$0.hasPrefix("-") }
    }

    static let globalOptions: Set<String> = ["--root-dir", "--pod-manifest-path", "--pod-log-dir", "--run-dir", "--runtime"]

    /// kubectl takes global flags anywhere (`swkubectl --root-dir /x get pods`); ArgumentParser
    /// reads a leaf command's options only after the command's name, so move them to the end.
    static func movingGlobalOptionsLast(_ arguments: [String]) -> [String] {
        var rest: [String] = []
        var globals: [String] = []
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            if arg == "--" {
                rest += arguments[i...]
                break
            }
            if globalOptions.contains(arg), i + 1 < arguments.count {
                globals += [arg, arguments[i + 1]]
                i += 2
                continue
            }
            if let eq = arg.firstIndex(of: "="), globalOptions.contains(String(arg[..<eq])) {
                globals.append(arg)
            } else {
                rest.append(arg)
            }
            i += 1
        }
        if let dashes = rest.firstIndex(of: "--") {
            rest.insert(contentsOf: globals, at: dashes)
            return rest
        }
        return rest + globals
    }
}

/// A leaf command: produces its output from the state, never prints itself.
protocol KubeCtlCommand: ParsableCommand {
    func output(_ ctx: Context) throws(SwkError) -> Output
}

struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("root-dir"), help: "swkubelet's state directory (holds state.db).")
    var rootDir = Paths.defaultRootDir

    @Option(name: .customLong("pod-manifest-path"), help: "The directory of Pod manifests.")
    var podManifestPath = Paths.defaultManifestDir

    @Option(name: .customLong("pod-log-dir"), help: "The pod log tree (default: the daemon's, else /var/log/pods).")
    var podLogDir: String?

    @Option(name: .customLong("run-dir"), help: "swkubelet's runtime state directory (default: the daemon's, else /run/swkube).")
    var runDir: String?

    @Option(name: .customLong("runtime"), help: "The OCI runtime for exec (default: the daemon's, else swkube-runc beside swkubectl).")
    var runtime: String?

    var paths: Paths {
        var p = Paths(rootDir: rootDir, manifestDir: podManifestPath)
        p.podLogDir = podLogDir
        p.runDir = runDir
        p.runtime = runtime
        return p
    }
}

struct NamespaceOptions: ParsableArguments {
    @Option(name: [.short, .customLong("namespace")], help: "The namespace.")
    var namespace = "default"

    @Flag(name: [.customShort("A"), .customLong("all-namespaces")], help: "All namespaces.")
    var allNamespaces = false

    var scope: NamespaceScope { NamespaceScope(namespace: namespace, all: allNamespaces) }
}

extension OutputFormat: ExpressibleByArgument {}

struct Get: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Display pods or events.", subcommands: [GetPodsCommand.self, GetEventsCommand.self, ImagesCommand.self])
}

struct GetPodsCommand: KubeCtlCommand {
    static let configuration = CommandConfiguration(
        commandName: "pods", abstract: "List pods (or one pod).", aliases: ["pod", "po"])

    @OptionGroup var global: GlobalOptions
    @OptionGroup var ns: NamespaceOptions
    @Option(name: [.short, .customLong("output")], help: "Output format: wide, json, yaml or name.")
    var output: OutputFormat?
    @Option(name: [.customShort("l"), .customLong("selector")], help: "A label selector (app=web,tier!=db).")
    var selector: String?
    @Flag(name: .customLong("no-headers"), help: "Print no header line.") var noHeaders = false
    @Flag(name: .customLong("show-labels"), help: "Show the labels as the last column.") var showLabels = false
    @Flag(name: [.short, .customLong("watch")], help: "After the listing, print a line per change.") var watch = false
    @Argument(help: "A pod name.", completion: .custom(podNames)) var name: String?

    func output(_ ctx: Context) throws(SwkError) -> Output {
        var get = GetPods(name: name, output: output, scope: ns.scope)
        get.selector = try selector.map { (s: String) throws(SwkError) in try LabelSelector(parsing: s) }
        get.noHeaders = noHeaders
        get.showLabels = showLabels
        get.watch = watch
        return try get.run(global.paths, ctx)
    }
}

struct GetEventsCommand: KubeCtlCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "List events.", aliases: ["event", "ev"])

    @OptionGroup var global: GlobalOptions
    @OptionGroup var ns: NamespaceOptions

    func output(_ ctx: Context) throws(SwkError) -> Output {
        try GetEvents(scope: ns.scope).run(global.paths, ctx)
    }
}

struct Describe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show details of a pod.", subcommands: [DescribePodCommand.self])
}

struct DescribePodCommand: KubeCtlCommand {
    static let configuration = CommandConfiguration(
        commandName: "pod", abstract: "Describe a pod.", aliases: ["pods", "po"])

    @OptionGroup var global: GlobalOptions
    @Option(name: [.short, .customLong("namespace")], help: "The namespace.")
    var namespace = "default"
    @Argument(help: "The pod name.", completion: .custom(podNames)) var name: String

    func output(_ ctx: Context) throws(SwkError) -> Output {
        try DescribePod(name: name, namespace: namespace).run(global.paths, ctx)
    }
}

struct Version: KubeCtlCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")

    @OptionGroup var global: GlobalOptions

    func output(_ ctx: Context) throws(SwkError) -> Output {
        Output(stdout: "Client Version: \(swkubeVersion)\n")
    }
}
