import CRI
import SwkSupport

/// What a sandbox's `network.json` holds: the network config ADD ran with and its result, so DEL
/// runs with the same plugins and `prevResult` even after the conf dir changed or the daemon
/// restarted. Written before ADD (a crash in the middle still leaves something to DEL).
struct SandboxNetwork: Codable {
    var config: JSONValue
    var result: JSONValue?
}

extension LocalRuntime {
    /// Attaches the sandbox's network namespace through CNI and returns the pod IP ("" when CNI is
    /// off). On failure nothing stays attached (the plugins already run were given DEL).
    func setUpNetwork(_ id: String, _ sandbox: PodSandboxConfig, netns: String) async throws(SwkError) -> String {
        guard let confDir = config.cniConfDir else { return "" }
        let list = try CNIConfigFiles.loadOrInstallDefault(dir: confDir)
        try await masquerade(list)
        let file = "\(layout.sandboxDir(id))/network.json"
        try JSONFile.write(SandboxNetwork(config: list.document, result: nil), to: file)
        let network = CNINetwork(list: list, binDirs: config.cniBinDirs)
        let result: JSONValue
        do { result = try await network.add(attachment(id, sandbox, netns: netns), warn: config.warn) } catch {
            // add() already gave DEL to the plugins it ran; nothing is left to tear down.
            await rollback("remove \(file)") { try FS.removeTree(file) }
            throw error
        }
        try JSONFile.write(SandboxNetwork(config: list.document, result: result), to: file)
        return CNINetwork.podIP(result)
    }

    /// Installs the pod network (the default one when the config directory is empty) and its
    /// outbound NAT ahead of the first pod, so that no pod start pays for them.
    public func prepareNetwork() async throws(SwkError) {
        guard let confDir = config.cniConfDir else { return }
        try await masquerade(try CNIConfigFiles.loadOrInstallDefault(dir: confDir))
    }

    private func masquerade(_ list: CNIConfigList) async throws(SwkError) {
        for subnet in NodeMasquerade.subnets(of: list) where !masqueraded.contains(subnet) {
            // Marked first: a concurrent sandbox creation must not add the rule a second time.
            masqueraded.insert(subnet)
            do { try await NodeMasquerade.ensure(subnet: subnet, network: list.name) } catch {
                masqueraded.remove(subnet)
                throw error
            }
        }
    }

    /// Runs CNI DEL for the sandbox if it was attached; repeating it (or a sandbox never
    /// attached) is a no-op. The record of the attachment goes only once DEL succeeded.
    func tearDownNetwork(_ id: String, _ sandbox: PodSandboxConfig, netns: String) async throws(SwkError) {
        let file = "\(layout.sandboxDir(id))/network.json"
        guard FS.exists(file) else { return }
        let saved = try JSONFile.read(SandboxNetwork.self, from: file)
        let list = try CNIConfigList(document: saved.config, file: file)
        try await CNINetwork(list: list, binDirs: config.cniBinDirs)
            .delete(attachment(id, sandbox, netns: netns), prevResult: saved.result)
        try FS.removeTree(file)
        hostInterfaces[id] = nil
    }

    /// swkube extension of CRI (the CNI spec's CHECK for a running sandbox). Cheap by default:
    /// the host-side interfaces of the cached ADD result (remembered after the first look) must
    /// still exist (a stat each, no process, no file parsed). `thorough` (or a missing interface) runs the plugins' CHECK, whose error is the
    /// one thrown. A sandbox without a pod network (hostNetwork, CNI off) always passes.
    public func checkPodSandboxNetwork(_ podSandboxId: String, thorough: Bool) async throws {
        guard let record = sandboxes[podSandboxId] else { throw SwkError(.notFound, "pod sandbox \(podSandboxId)") }
        let file = "\(layout.sandboxDir(podSandboxId))/network.json"
        guard record.state == .ready, let net = record.namespaces["network"] else { return }
        if !thorough, let names = hostInterfaces[podSandboxId], names.allSatisfy({ FS.exists("/sys/class/net/\($0)") }) {
            return
        }
        guard FS.exists(file) else { return }
        let saved = try JSONFile.read(SandboxNetwork.self, from: file)
        guard let result = saved.result else { return }
        hostInterfaces[podSandboxId] = CNINetwork.hostInterfaces(result)
        let gone = CNINetwork.hostInterfaces(result).filter { !FS.exists("/sys/class/net/\($0)") }
        let list = try CNIConfigList(document: saved.config, file: file)
        let what = "network of pod sandbox \(podSandboxId)"
        if (thorough || !gone.isEmpty), list.supportsCheck {
            do {
                try await CNINetwork(list: list, binDirs: config.cniBinDirs)
                    .check(attachment(podSandboxId, record.config, netns: net), result: result)
            } catch {
                throw error.context(what)
            }
        }
        if !gone.isEmpty {
            throw SwkError(.failedPrecondition, "\(what): host interface \(gone.joined(separator: ", ")) is gone")
        }
    }

    private func attachment(_ id: String, _ sandbox: PodSandboxConfig, netns: String) -> CNIAttachment {
        let m = sandbox.metadata
        return CNIAttachment(
            containerID: id, netns: netns,
            args: [("IgnoreUnknown", "1"), ("K8S_POD_NAMESPACE", m.namespace), ("K8S_POD_NAME", m.name),
                   ("K8S_POD_INFRA_CONTAINER_ID", id), ("K8S_POD_UID", m.uid)],
            portMappings: sandbox.portMappings)
    }

    public func portForward(_ podSandboxId: String, port: Int32, request: [UInt8], responseLimit: Int,
                            timeout: Int64) async throws -> [UInt8] {
        guard let record = sandboxes[podSandboxId] else { throw SwkError(.notFound, "pod sandbox \(podSandboxId)") }
        guard record.state == .ready else {
            throw SwkError(.failedPrecondition, "pod sandbox \(podSandboxId) is not ready")
        }
        // No network namespace of its own: the pod shares the host's.
        let netns = record.namespaces["network"]
        return try await Task.detached { () throws(SwkError) -> [UInt8] in
            try TCPExchange.run(ip: "127.0.0.1", port: port, netns: netns, timeoutMillis: Int32(clamping: timeout * 1000),
                                request: request, responseLimit: responseLimit)
        }.value
    }
}
