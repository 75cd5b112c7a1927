import ArgumentParser
import Controller
import Glibc
import ImageStore
import Logging
import Runtime
import StateStore
import SwkSupport

/// swkubelet: the node daemon. This file only parses flags and wires the layers together
/// (the composition root: the one place that names concrete types).
@main
struct Swkubelet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swkubelet",
        abstract: "Runs the Kubernetes Pods declared as files in the manifest directory.")

    @Option(help: "Config file (keys as the long flags, e.g. pod-manifest-path: /etc/swkube/pods).")
    var config: String = "/etc/swkube/config.yaml"
    @Option(help: "Directory of Pod manifests.") var podManifestPath: String?
    @Option(help: "State directory (database, content store, snapshots).") var rootDir: String?
    @Option(help: "Runtime state directory.") var runDir: String?
    @Option(help: "Root of the container log tree.") var podLogDir: String?
    @Option(help: "OCI runtime binary (default: swkube-runc beside swkubelet).") var runtime: String?
    @Option(help: "CNI configuration directory.") var cniConfDir: String?
    @Option(help: "CNI plugin directories, colon-separated.") var cniBinDir: String?
    @Option(help: "Registries file in k3s's format: mirrors, credentials (default /etc/swkube/registries.yaml).")
    var registryConfig: String?
    @Option(help: "Full resync period of the manifest directory (e.g. 10s, 1m).") var syncFrequency: String?
    @Option(help: "How often emptyDir usage is checked against sizeLimit and pod networks are checked (default 10s).")
    var housekeepingInterval: String?
    @Option(help: "First CrashLoopBackOff delay (e.g. 10s).") var backoffInitial: String?
    @Option(help: "Longest CrashLoopBackOff delay (e.g. 5m).") var backoffMax: String?
    @Option(help: "Rotate a container log at this size (e.g. 10Mi; 0 never).") var containerLogMaxSize: String?
    @Option(help: "Container log files kept per container, the current one included.") var containerLogMaxFiles: String?
    @Option(help: "RuntimeDefault seccomp for containers that set no seccompProfile (true or false; default true).")
    var seccompDefault: String?
    @Option(help: "The node's resolv.conf, base of the Default DNS policy (default /etc/resolv.conf; \"\" for none).")
    var resolvConf: String?
    @Option(help: "Cluster DNS server IPs, comma-separated, for the ClusterFirst DNS policy (default: none, so ClusterFirst acts as Default).")
    var clusterDns: String?
    @Option(help: "Cluster domain for ClusterFirst search paths (default cluster.local).") var clusterDomain: String?
    @Option(help: "Pod Security Standard every manifest must meet: privileged, baseline or restricted (default privileged).")
    var podSecurity: String?
    @Flag(help: "Log debug messages.") var verbose = false

    func run() async throws {
        let settings: NodeSettings
        do {
            settings = try NodeSettings.load(file: config, overrides: overrides())
        } catch {
            _ = Array("swkubelet: \(error)\n".utf8).withUnsafeBytes { FS.writeAll(2, $0) }
            throw ExitCode.failure
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = verbose ? .debug : .info
            return handler
        }
        let logger = Logger(label: "swkubelet")
        do {
            try await Node(settings: settings, logger: logger).run()
        } catch {
            logger.critical("\(error)")
            throw ExitCode.failure
        }
    }

    private func overrides() -> [String: String] {
        var values: [String: String] = [:]
        values["pod-manifest-path"] = podManifestPath
        values["root-dir"] = rootDir
        values["run-dir"] = runDir
        values["pod-log-dir"] = podLogDir
        values["runtime"] = runtime
        values["cni-conf-dir"] = cniConfDir
        values["cni-bin-dir"] = cniBinDir
        values["registry-config"] = registryConfig
        values["sync-frequency"] = syncFrequency
        values["housekeeping-interval"] = housekeepingInterval
        values["backoff-initial"] = backoffInitial
        values["backoff-max"] = backoffMax
        values["pod-security"] = podSecurity
        values["container-log-max-size"] = containerLogMaxSize
        values["container-log-max-files"] = containerLogMaxFiles
        values["seccomp-default"] = seccompDefault
        values["resolv-conf"] = resolvConf
        values["cluster-dns"] = clusterDns
        values["cluster-domain"] = clusterDomain
        return values
    }
}
