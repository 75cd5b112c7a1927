import ArgumentParser
import StateStore
import SwkSupport

/// `swkubectl completion bash|zsh|fish`: the shell completion script ArgumentParser generates
/// from the command tree. Pod name arguments complete from the state database (`podNames`).
struct CompletionCommand: KubeCtlCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion", abstract: "Print a shell completion script (bash, zsh or fish).",
        discussion: "bash: source <(swkubectl completion bash)")

    @Argument(help: "bash, zsh or fish.", completion: .list(CompletionShell.allCases.map(\.rawValue)))
    var shell: String

    func output(_ ctx: Context) throws(SwkError) -> Output {
        guard let kind = CompletionShell(rawValue: shell) else {
            throw SwkError(.invalidArgument, "unsupported shell type \"\(shell)\" (bash, zsh or fish)")
        }
        return Output(stdout: Swkubectl.completionScript(for: kind))
    }
}

/// Completes a pod name from the words typed so far: the pods of the `-n` namespace (default
/// `default`) in the state database under `--root-dir` (default /var/lib/swkube).
@Sendable func podNames(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
    func value(_ names: [String]) -> String? {
        for (i, w) in words.enumerated() {
            for name in names {
                if w == name, i + 1 < words.count { return words[i + 1] }
                if w.hasPrefix("\(name)=") { return String(w.dropFirst(name.count + 1)) }
            }
        }
        return nil
    }
    let root = value(["--root-dir"]) ?? Paths.defaultRootDir
    let namespace = value(["-n", "--namespace"]) ?? "default"
    guard let store = try? StateStore(path: StateStore.databasePath(rootDir: root), readOnly: true),
          let pods = try? store.pods() else { return [] }
    return pods.filter { $0.namespace == namespace && $0.name.hasPrefix(prefix) }.map(\.name)
}
