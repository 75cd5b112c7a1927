import CRI
import Glibc
@testable import Runtime
import SwkSupport
import Testing
import TestSupport

/// A CNI network of the test's own: a temp conf dir holding a bridge conflist with a bridge name,
/// network name, /24 subnet and host-local data dir unique to the test. `remove` deletes the bridge.
struct TestNetwork {
    static let pluginDir = "/usr/lib/cni"
    let base: String
    let name: String
    let bridge: String
    let subnetPrefix: String
    var confDir: String { "\(base)/cni/net.d" }
    var dataDir: String { "\(base)/cni/networks" }

    static func make(base: String, fileName: String = "10-test.conflist") throws -> TestNetwork {
        let tag = String(FS.basename(of: base).suffix(6)).lowercased().filter { $0.isLetter || $0.isNumber }
        let routes = (try? Spawn.run(["/usr/sbin/ip", "-4", "route", "show", "table", "all"]).stdout) ?? ""
        // A /24 in 10.234.0.0/16 that no route on this host mentions.
        var third = Int(UInt32.random(in: 1...250))
        while routes.contains("10.234.\(third).") { third = third % 250 + 1 }
        let net = TestNetwork(base: base, name: "swkt-\(tag)", bridge: "swkt\(tag)", subnetPrefix: "10.234.\(third).",
                              fileName: fileName)
        try FS.makeDirectories(net.confDir)
        try FS.writeAtomic(net.confPath, CNIConfigFiles.defaultList(
            network: net.name, bridge: net.bridge, subnet: "10.234.\(third).0/24", dataDir: net.dataDir))
        return net
    }

    let fileName: String
    var confPath: String { "\(confDir)/\(fileName)" }
    var subnet: String { "\(subnetPrefix)0/24" }

    /// Writes a shell-script CNI plugin `name` into `<base>/bin` and returns that directory.
    static func scriptPlugin(_ name: String, in base: String, _ body: String) throws -> String {
        let bin = "\(base)/bin"
        try FS.makeDirectories(bin)
        try FS.writeAtomic("\(bin)/\(name)", "#!/bin/sh\n\(body)\n", mode: 0o755)
        return bin
    }

    /// Adds a plugin of `type` at the end of the network's plugin chain.
    func appendPlugin(_ type: String) throws {
        var doc = try JSONValue.parse(try FS.readBytes(confPath), confPath)
        doc["plugins"] = .array((doc["plugins"]?.array ?? []) + [.object([("type", .string(type))])])
        try FS.writeAtomic(confPath, doc.compactBytes())
    }

    func remove() {
        _ = try? Spawn.run(["/usr/sbin/ip", "link", "del", bridge])
    }

    /// Host-side interfaces enslaved to the test bridge (the pods' veth peers).
    func bridgePorts() -> String {
        (try? Spawn.run(["/usr/sbin/ip", "-o", "link", "show", "master", bridge]).stdout) ?? ""
    }

    /// Addresses host-local has handed out and not released.
    func leases() -> [String] {
        ((try? FS.list("\(dataDir)/\(name)")) ?? []).filter { $0.hasPrefix(subnetPrefix) }
    }

    /// A harness whose runtime uses this network, torn down (sandboxes, bridge, files) afterwards.
    static func with(binDirs: [String] = [pluginDir], fileName: String = "10-test.conflist",
                     _ body: (Harness, TestNetwork) async throws -> Void) async throws {
        let base = try Harness.makeTempDir()
        let net: TestNetwork
        let h: Harness
        do {
            net = try make(base: base, fileName: fileName)
            h = try Harness.make(cni: (net.confDir, binDirs), base: base)
        } catch {
            try? FS.removeTree(base)
            throw error
        }
        do { try await body(h, net) } catch {
            await h.tearDown()
            net.remove()
            throw error
        }
        await h.tearDown()
        net.remove()
    }
}

@Suite(.serialized, .enabled(if: TestEnvironment.canRunContainers && access("/usr/lib/cni/bridge", X_OK) == 0,
                             "needs root, busybox, runc, swkube-shim and the CNI plugins in /usr/lib/cni"))
struct NetworkTests {
    @Test func twoPodsReachEachOtherOverTheirPodIPs() async throws {
        try await TestNetwork.with { h, net in
            let a = h.sandboxConfig(name: "server"), b = h.sandboxConfig(name: "client")
            let sa = try await h.runtime.runPodSandbox(a)
            let sb = try await h.runtime.runPodSandbox(b)
            let ipA = try await h.runtime.podSandboxStatus(sa).network.ip
            let ipB = try await h.runtime.podSandboxStatus(sb).network.ip
            #expect(ipA.hasPrefix(net.subnetPrefix))
            #expect(ipB.hasPrefix(net.subnetPrefix))
            #expect(ipA != ipB)
            #expect(net.leases().sorted() == [ipA, ipB].sorted())

            let server = try await h.runtime.createContainer(sa, h.containerConfig(name: "server",
                ["sh", "-c", "echo hello-from-a > /tmp/index.html; exec httpd -f -p 8080 -h /tmp"]), a)
            try await h.runtime.startContainer(server)
            // The client retries inside its container until the server listens (bounded: 100 tries).
            // (No `wget -T`: Debian's static busybox 1.35 segfaults on it.)
            let client = try await h.runtime.createContainer(sb, h.containerConfig(name: "client",
                ["sh", "-c", "for i in $(seq 100); do wget -q -O - http://\(ipA):8080/index.html && exit 0; sleep 0.1; done; exit 1"]), b)
            try await h.runtime.startContainer(client)
            #expect(try await eventually(seconds: 30) { try await h.runtime.containerStatus(client).state == .exited })
            let status = try await h.runtime.containerStatus(client)
            #expect(status.exitCode == 0)
            #expect(try criLogLines(status.logPath).contains { $0.text == "hello-from-a" })

            // Stop releases the address (DEL ran) and is idempotent.
            try await h.runtime.stopPodSandbox(sa)
            try await h.runtime.stopPodSandbox(sa)
            #expect(net.leases() == [ipB])
            #expect(try await h.runtime.podSandboxStatus(sa).network.ip == "")
        }
    }

    @Test func swkubesOwnNetworkIsMasqueradedByOneNodeRuleNotPerPod() async throws {
        try await TestNetwork.with(fileName: CNIConfigFiles.defaultFileName) { h, net in
            let rule = ["-t", "nat", "-C", "POSTROUTING", "-s", net.subnet, "!", "-d", net.subnet, "-m", "comment",
                        "--comment", "swkube pod network \(net.name)", "-j", "MASQUERADE"]
            defer { _ = try? Spawn.run(["/usr/sbin/iptables", "-t", "nat", "-D"] + rule.dropFirst(3)) }
            try await h.runtime.prepareNetwork()
            #expect(try Spawn.run(["/usr/sbin/iptables"] + rule).status == 0)
            let id = try await h.runtime.runPodSandbox(h.sandboxConfig())
            #expect(try await h.runtime.podSandboxStatus(id).network.ip.hasPrefix(net.subnetPrefix))
            // No per-pod masquerade rules (the bridge plugin's ipMasq, off in swkube's network,
            // would add a chain commented with the network name and the sandbox id).
            let nat = try Spawn.run(["/usr/sbin/iptables", "-t", "nat", "-S"]).stdout
            #expect(!nat.contains(id))
            // A second runtime (daemon restart) finds the rule and does not add it again.
            try await h.reopened().runtime.prepareNetwork()
            let copies = try Spawn.run(["/usr/sbin/iptables", "-t", "nat", "-S", "POSTROUTING"]).stdout
                .split(separator: "\n").filter { $0.contains("swkube pod network \(net.name)") }.count
            #expect(copies == 1)
            try await h.runtime.stopPodSandbox(id)
        }
    }

    @Test func cniCheckPassesForAHealthyPodAndNamesTheBrokenPart() async throws {
        try await TestNetwork.with { h, net in
            let id = try await h.runtime.runPodSandbox(h.sandboxConfig())
            try await h.runtime.checkPodSandboxNetwork(id, thorough: true)
            try await h.runtime.checkPodSandboxNetwork(id, thorough: false)
            let saved = try JSONFile.read(SandboxNetwork.self, from: "\(h.base)/run/sandboxes/\(id)/network.json")
            let result = try #require(saved.result)
            let veth = try #require(CNINetwork.hostInterfaces(result).first { $0 != net.bridge })
            let deleted = try Spawn.run(["/usr/sbin/ip", "link", "del", veth])
            try #require(deleted.status == 0, "\(deleted.stderr)")
            // The cheap check notices the host side is gone and runs CHECK for the plugin's words.
            let error = await #expect(throws: SwkError.self) { try await h.runtime.checkPodSandboxNetwork(id, thorough: false) }
            let message = error?.message ?? ""
            #expect(message.contains("network of pod sandbox \(id): cni plugin bridge CHECK"), "\(message)")
            // A broken sandbox still stops cleanly: its address is released.
            try await h.runtime.stopPodSandbox(id)
            #expect(net.leases().isEmpty)
            try await h.runtime.checkPodSandboxNetwork(id, thorough: true)
        }
    }

    @Test func aRestartedRuntimeKeepsThePodIPAndDetachesWithTheSavedConfig() async throws {
        try await TestNetwork.with { h, net in
            let id = try await h.runtime.runPodSandbox(h.sandboxConfig())
            let ip = try await h.runtime.podSandboxStatus(id).network.ip
            // The conf dir changes meanwhile: DEL must still use the plugins ADD used.
            try FS.removeTree(net.confPath)
            let second = try h.reopened()
            #expect(try await second.runtime.podSandboxStatus(id).network.ip == ip)
            try await second.runtime.stopPodSandbox(id)
            #expect(net.leases().isEmpty)
            #expect(net.bridgePorts().isEmpty)
        }
    }

    @Test func aHostPortAnswersOnLocalhost() async throws {
        try await TestNetwork.with { h, net in
            let hostPort = Int32.random(in: 30000...39999)
            var config = h.sandboxConfig(name: "web")
            config.portMappings = [PortMapping(containerPort: 8080, hostPort: hostPort)]
            let sandbox = try await h.runtime.runPodSandbox(config)
            let web = try await h.runtime.createContainer(sandbox, h.containerConfig(name: "web",
                ["sh", "-c", "echo via-hostport > /tmp/index.html; exec httpd -f -p 8080 -h /tmp"]), config)
            try await h.runtime.startContainer(web)
            var body = ""
            let answered = try await eventually(seconds: 20) {
                let out = try Spawn.run(["/bin/busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:\(hostPort)/index.html"])
                body = out.stdout
                return out.status == 0
            }
            #expect(answered)
            #expect(body == "via-hostport\n")
            // How 127.0.0.1 works: portmap (SNAT on by default) DNATs locally generated traffic and
            // lets the bridge route it from 127/8, as CRI runtimes rely on.
            #expect(try FS.readString("/proc/sys/net/ipv4/conf/\(net.bridge)/route_localnet") == "1\n")
            try await h.runtime.stopPodSandbox(sandbox)
            let after = try Spawn.run(["/bin/busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:\(hostPort)/index.html"])
            #expect(after.status != 0)
        }
    }

    @Test func portmapRunsOnlyForPodsWithHostPorts() async throws {
        let base = try Harness.makeTempDir()
        defer { try? FS.removeTree(base) }
        // A portmap that records each call, then hands over to the real one.
        let bin = try TestNetwork.scriptPlugin("portmap", in: base, """
            echo "$CNI_COMMAND" >> \(base)/portmap-calls
            exec \(TestNetwork.pluginDir)/portmap
            """)
        func calls() -> [String] { ((try? FS.readString("\(base)/portmap-calls")) ?? "").split(separator: "\n").map(String.init) }
        try await TestNetwork.with(binDirs: [bin, TestNetwork.pluginDir]) { h, _ in
            let plain = try await h.runtime.runPodSandbox(h.sandboxConfig(name: "plain"))
            try await h.runtime.stopPodSandbox(plain)
            #expect(calls().isEmpty)
            var config = h.sandboxConfig(name: "ported")
            config.portMappings = [PortMapping(containerPort: 8080, hostPort: Int32.random(in: 30000...39999))]
            let ported = try await h.runtime.runPodSandbox(config)
            try await h.runtime.stopPodSandbox(ported)
            #expect(calls() == ["ADD", "DEL"])
        }
    }

    @Test func aFailingPluginFailsTheSandboxWithItsOwnErrorAndLeavesNothing() async throws {
        let base = try Harness.makeTempDir()
        defer { try? FS.removeTree(base) }
        // A plugin that answers ADD with a CNI error object and DEL with success.
        let bin = try TestNetwork.scriptPlugin("fail-plugin", in: base, """
            [ "$CNI_COMMAND" = DEL ] && exit 0
            echo '{"cniVersion":"1.0.0","code":999,"msg":"no luck today","details":"the test plugin always fails"}'
            exit 1
            """)
        try await TestNetwork.with(binDirs: [bin, TestNetwork.pluginDir]) { h, net in
            try net.appendPlugin("fail-plugin")
            let error = await #expect(throws: SwkError.self) { try await h.runtime.runPodSandbox(h.sandboxConfig()) }
            #expect(error?.description.contains("no luck today: the test plugin always fails") == true)
            #expect(try await h.runtime.listPodSandbox(nil).isEmpty)
            #expect(try FS.list("\(h.base)/run/sandboxes").isEmpty)
            #expect(!mountTable().contains(h.base))
            // The bridge plugin's ADD was undone: no veth on the bridge, no address leased.
            #expect(net.bridgePorts().isEmpty)
            #expect(net.leases().isEmpty)
        }
    }

    @Test func aMissingPluginFailsTheSandboxAndLeavesNothing() async throws {
        try await TestNetwork.with { h, net in
            try net.appendPlugin("no-such-plugin")
            let error = await #expect(throws: SwkError.self) { try await h.runtime.runPodSandbox(h.sandboxConfig()) }
            #expect(error?.description.contains("plugin \"no-such-plugin\" not found in /usr/lib/cni") == true)
            #expect(try FS.list("\(h.base)/run/sandboxes").isEmpty)
            #expect(!mountTable().contains(h.base))
            #expect(net.bridgePorts().isEmpty)
            #expect(net.leases().isEmpty)
        }
    }
}
