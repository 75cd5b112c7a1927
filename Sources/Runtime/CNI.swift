import CRI
import Glibc
import SwkSupport

/// What a CNI operation is about, passed to every plugin as `CNI_*` variables (CNI spec §2).
struct CNIAttachment: Sendable {
    var containerID: String
    /// The pinned network namespace file.
    var netns: String
    var ifName = "eth0"
    /// `CNI_ARGS` pairs (kubelet's K8S_POD_* keys).
    var args: [(String, String)] = []
    var portMappings: [PortMapping] = []
}

/// Runs a network configuration list's plugins as the CNI spec (1.0.0; 0.3/0.4 alike) says:
/// ADD in order, each plugin getting the previous one's result as `prevResult`; DEL in reverse,
/// with the cached result. Capabilities the list declares get `runtimeConfig` (portMappings).
struct CNINetwork: Sendable {
    let list: CNIConfigList
    /// Directories searched for plugin binaries, in order (`CNI_PATH`).
    let binDirs: [String]

    /// Attaches the namespace. When a plugin fails, the plugins already run are undone with DEL
    /// (a failure of that clean-up goes to `warn`) and the failing plugin's own error is thrown.
    func add(_ a: CNIAttachment, warn: (String) -> Void = { _ in }) async throws(SwkError) -> JSONValue {
        var prev: JSONValue?
        for plugin in list.plugins where needed(plugin, a) {
            do {
                let out = try await exec("ADD", plugin, a, prevResult: prev)
                prev = try JSONValue.parse(out, "result of cni plugin \(plugin["type"]?.string ?? "") in network \(list.name)")
            } catch {
                do { try await delete(a, prevResult: prev, ignoreMissingPlugins: true) } catch {
                    warn("failed to delete the network of \(a.containerID) after a failed add: \(error)")
                }
                throw error
            }
        }
        return prev ?? .object([])
    }

    /// Detaches the namespace; plugins tolerate what is already gone, so this may be repeated.
    /// With `ignoreMissingPlugins`, a plugin binary that is not installed is skipped.
    func delete(_ a: CNIAttachment, prevResult: JSONValue?, ignoreMissingPlugins: Bool = false) async throws(SwkError) {
        var firstError: SwkError?
        for plugin in list.plugins.reversed() where needed(plugin, a) {
            if ignoreMissingPlugins, find(plugin["type"]?.string ?? "") == nil { continue }
            do { _ = try await exec("DEL", plugin, a, prevResult: list.deleteGetsPrevResult ? prevResult : nil) } catch {
                // Run the other plugins' DEL anyway: each releases its own resources.
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
    }

    /// CNI CHECK: every plugin in order, each given the cached ADD result as `prevResult`; the
    /// first failure is thrown with the plugin's own error.
    func check(_ a: CNIAttachment, result: JSONValue) async throws(SwkError) {
        for plugin in list.plugins where needed(plugin, a) {
            _ = try await exec("CHECK", plugin, a, prevResult: result)
        }
    }

    /// The host-side interfaces a result names (those without a `sandbox`): the bridge and the
    /// veth of the bridge plugin, for instance.
    static func hostInterfaces(_ result: JSONValue) -> [String] {
        (result["interfaces"]?.array ?? []).compactMap { iface in
            guard (iface["sandbox"]?.string ?? "").isEmpty, let name = iface["name"]?.string, !name.isEmpty else { return nil }
            return name
        }
    }

    /// The first address of the result (`ips[].address` without its prefix length), preferring
    /// IPv4; "" when the result has none.
    static func podIP(_ result: JSONValue) -> String {
        var addresses: [String] = []
        for ip in result["ips"]?.array ?? [] {
            if let address = ip["address"]?.string { addresses.append(String(address.prefix { $0 != "/" })) }
        }
        return addresses.first { !$0.contains(":") } ?? addresses.first ?? ""
    }

    /// `portmap` without port mappings passes `prevResult` through and creates nothing, so a pod
    /// without hostPorts skips it on ADD and DEL alike (the attachment carries the same mappings
    /// both times): one process less per pod start and stop.
    func needed(_ plugin: JSONValue, _ a: CNIAttachment) -> Bool {
        plugin["type"]?.string != "portmap" || !a.portMappings.isEmpty
    }

    func find(_ type: String) -> String? {
        guard !type.isEmpty, !type.contains("/") else { return nil }
        return binDirs.lazy.map { "\($0)/\(type)" }.first { access($0, X_OK) == 0 }
    }

    /// Runs one plugin; returns its stdout. A failure carries the plugin's error `msg`/`details`.
    private func exec(_ command: String, _ plugin: JSONValue, _ a: CNIAttachment, prevResult: JSONValue?) async throws(SwkError) -> [UInt8] {
        let type = plugin["type"]?.string ?? ""
        let what = "cni plugin \(type) \(command) (network \(list.name), container \(a.containerID))"
        guard let path = find(type) else {
            throw SwkError(.notFound, "\(what): plugin \"\(type)\" not found in \(binDirs.joined(separator: ":"))")
        }
        let stdin = pluginConfig(plugin, a, prevResult: prevResult).compactBytes()
        let input = try TempInput(stdin)
        defer { input.close() }
        let out = try await Spawn.runAsync([path], env: environment(command, a), stdin: .fd(input.fd))
        guard out.status == 0 else {
            throw SwkError(.system, "\(what): \(Self.errorText(status: out.status, stdout: out.stdout, stderr: out.stderr))")
        }
        return Array(out.stdout.utf8)
    }

    /// The plugin's stdin: its config with the list's name and version, the previous result, and
    /// `runtimeConfig` for the capabilities it declares.
    func pluginConfig(_ plugin: JSONValue, _ a: CNIAttachment, prevResult: JSONValue?) -> JSONValue {
        var conf = plugin
        conf["name"] = .string(list.name)
        conf["cniVersion"] = .string(list.cniVersion)
        if let prevResult { conf["prevResult"] = prevResult }
        if plugin["capabilities"]?["portMappings"]?.bool == true, !a.portMappings.isEmpty {
            // containerd's shape: lowercase protocol, hostIP only when set.
            let mappings = a.portMappings.map { m -> JSONValue in
                .object([("hostPort", .int(m.hostPort)), ("containerPort", .int(m.containerPort)),
                         ("protocol", .string(m.protocol.lowercased()))])
            }
            conf["runtimeConfig"] = .object([("portMappings", .array(mappings))])
        }
        return conf
    }

    private func environment(_ command: String, _ a: CNIAttachment) -> [String] {
        var env = Spawn.currentEnvironment().filter { !$0.hasPrefix("CNI_") }
        if !env.contains(where: { $0.hasPrefix("PATH=") }) {
            // Plugins run iptables and friends from PATH.
            env.append("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        }
        let args = a.args.map { "\($0.0)=\($0.1)" }.joined(separator: ";")
        env += ["CNI_COMMAND=\(command)", "CNI_CONTAINERID=\(a.containerID)", "CNI_NETNS=\(a.netns)",
                "CNI_IFNAME=\(a.ifName)", "CNI_ARGS=\(args)", "CNI_PATH=\(binDirs.joined(separator: ":"))"]
        return env
    }

    /// The plugin's error: `msg: details` of the CNI error object on stdout, else its raw output.
    static func errorText(status: Int32, stdout: String, stderr: String) -> String {
        if let error = try? JSONValue.parse(Array(stdout.utf8), "cni error"), let msg = error["msg"]?.string {
            let details = error["details"]?.string ?? ""
            return details.isEmpty ? msg : "\(msg): \(details)"
        }
        let text = (stdout + stderr).split(separator: "\n").joined(separator: "; ")
        return text.isEmpty ? "exited with status \(status)" : text
    }
}

/// Bytes for a child's stdin: an unlinked temp file, so writing cannot block on a full pipe.
private struct TempInput {
    let fd: Int32

    init(_ bytes: [UInt8]) throws(SwkError) {
        var template = Array("/tmp/.swkube-cni-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw .errno("create cni input file in /tmp") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        unlink(template)
        let ok = bytes.withUnsafeBytes { FS.writeAll(fd, $0) }
        guard ok, lseek(fd, 0, SEEK_SET) == 0 else {
            let e = SwkError.errno("write cni input file")
            Glibc.close(fd)
            throw e
        }
        self.fd = fd
    }

    func close() { Glibc.close(fd) }
}
