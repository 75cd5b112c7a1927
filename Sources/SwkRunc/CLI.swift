import Glibc
import OCI
import SwkSupport

/// runc's argument shapes, hand-parsed (start-up cost matters: see swift-notes §2). Flags come as
/// `--flag value`, `--flag=value`, `-flag value` or a short alias; booleans take no value.
struct Arguments {
    var values: [String: [String]] = [:]
    var flags: Set<String> = []
    var positional: [String] = []

    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }
    func has(_ name: String) -> Bool { flags.contains(name) }

    /// A command's flag vocabulary: canonical names (without dashes) and short aliases.
    struct Shape {
        var valued: Set<String> = []
        var boolean: Set<String> = []
        var aliases: [String: String] = [:]
        /// After this many positionals everything is positional (`exec ID CMD -x`).
        var positionalLimit = Int.max
    }

    static func parse(_ args: ArraySlice<String>, _ shape: Shape) throws(SwkError) -> Arguments {
        var out = Arguments()
        var i = args.startIndex
        while i < args.endIndex {
            let arg = args[i]
            i += 1
            if out.positional.count >= shape.positionalLimit || arg == "-" || !arg.hasPrefix("-") {
                out.positional.append(arg)
                continue
            }
            if arg == "--" {
                out.positional.append(contentsOf: args[i...])
                break
            }
            var name = String(arg.drop { $0 == "-" })
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            name = shape.aliases[name] ?? name
            if shape.valued.contains(name) {
                if let inline {
                    out.values[name, default: []].append(inline)
                } else {
                    guard i < args.endIndex else { throw SwkError(.invalidArgument, "flag --\(name) needs a value") }
                    out.values[name, default: []].append(args[i])
                    i += 1
                }
            } else if shape.boolean.contains(name) {
                if let inline, inline == "false" { out.flags.remove(name) } else { out.flags.insert(name) }
            } else {
                throw SwkError(.invalidArgument, "unknown flag \(arg)")
            }
        }
        return out
    }
}

/// The global part of the command line and what every verb needs.
struct Context {
    var root = "/run/swkube-runc"
    var log = RuncLog()

    func dir(_ id: String) throws(SwkError) -> StateDir {
        try StateDir.validate(id: id)
        return StateDir(root: root, id: id)
    }
}

public enum SwkRuncMain {
    public static let version = "0.1.0"

    static let usage = """
        usage: swkube-runc [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND [ARGS]
        commands: create start state kill delete run exec ps list pause resume update spec features

        """

    /// Runs the command line and returns the process exit code.
    public static func run(_ argv: [String]) -> Int32 {
        var ctx = Context()
        var shape = Arguments.Shape()
        shape.valued = ["root", "log", "log-format", "criu", "rootless"]
        shape.boolean = ["debug", "systemd-cgroup", "version", "help", "no-pivot"]
        shape.aliases = ["v": "version", "h": "help"]
        // Global flags end at the first positional (the command).
        shape.positionalLimit = 1
        let rest: ArraySlice<String>
        do {
            var globals = Arguments()
            var i = 1
            while i < argv.count, argv[i].hasPrefix("-") {
                let takesValue = !argv[i].contains("=") && shape.valued.contains(String(argv[i].drop { $0 == "-" }))
                let end = min(argv.count, i + (takesValue ? 2 : 1))
                let part = try Arguments.parse(argv[i..<end], shape)
                globals.values.merge(part.values) { $0 + $1 }
                globals.flags.formUnion(part.flags)
                i = end
            }
            if let root = globals.value("root") { ctx.root = FS.absolute(root) }
            ctx.log.path = globals.value("log")
            ctx.log.json = globals.value("log-format") == "json"
            ctx.log.debugEnabled = globals.has("debug")
            if globals.has("version") {
                print("swkube-runc version \(version)\nspec: \(Spec.version)")
                return 0
            }
            if globals.has("help") || i >= argv.count {
                print(usage, terminator: "")
                return globals.has("help") ? 0 : 1
            }
            rest = argv[i...]
        } catch {
            ctx.log.error(error.message)
            return 1
        }
        let command = rest[rest.startIndex]
        let args = rest.dropFirst()
        do {
            // The verbs that put a process into a container run from a sealed image of the binary.
            if command == "create" || command == "run" || command == "exec" {
                try ExeSeal.ensure(argv: argv, spareDir: ctx.root, log: ctx.log)
            }
            return try dispatch(command, args, ctx)
        } catch {
            ctx.log.error(error.message)
            return 1
        }
    }

    private static func dispatch(_ command: String, _ args: ArraySlice<String>, _ ctx: Context) throws(SwkError) -> Int32 {
        switch command {
        case "create": return try CreateCommand.run(args, ctx)
        case "start": return try StartCommand.run(args, ctx)
        case "state": return try StateCommand.run(args, ctx)
        case "kill": return try KillCommand.run(args, ctx)
        case "delete": return try DeleteCommand.run(args, ctx)
        case "run": return try RunCommand.run(args, ctx)
        case "list": return try ListCommand.run(args, ctx)
        case "spec": return try SpecCommand.run(args, ctx)
        case "exec": return try ExecCommand.run(args, ctx)
        case "ps": return try PsCommand.run(args, ctx)
        case "pause": return try PauseCommand.run(args, ctx, frozen: true)
        case "resume": return try PauseCommand.run(args, ctx, frozen: false)
        case "update": return try UpdateCommand.run(args, ctx)
        case "features": return try FeaturesCommand.run(args, ctx)
        default: throw SwkError(.invalidArgument, "unknown command \"\(command)\"")
        }
    }
}

/// Exactly `count` positionals, named in the error (`start: container id required`).
func requirePositional(_ a: Arguments, _ names: [String], command: String) throws(SwkError) -> [String] {
    guard a.positional.count >= names.count else {
        throw SwkError(.invalidArgument, "\(command): \(names[a.positional.count]) required")
    }
    return a.positional
}

/// Writes `text` to stdout unbuffered.
func emit(_ text: String) {
    _ = Array(text.utf8).withUnsafeBytes { FS.writeAll(1, $0) }
}
