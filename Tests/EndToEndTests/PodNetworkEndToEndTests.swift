import Glibc
import SwkSupport
import Testing
import TestSupport

/// Issue 5's pod networking and volumes through the whole node: manifests with a ConfigMap, an
/// emptyDir in memory and a hostPort; pods reach each other over their IPs from `get pods -o wide`.
@Suite(.serialized, .enabled(if: NodeHarness.isRoot && access("/usr/lib/cni/bridge", X_OK) == 0,
                             "needs root and the CNI plugins in /usr/lib/cni"))
struct PodNetworkEndToEndTests {
    static func webYAML(hostPort: Int) -> String {
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: web-content}
        data: {index.html: "hello from a configmap"}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          terminationGracePeriodSeconds: 2
          containers:
            - name: main
              image: localhost/swkube-demo:1.0
              command: ["sh", "-c", "grep ' /scratch ' /proc/mounts | cut -d' ' -f1,4; exec httpd -f -p 8080 -h /www"]
              ports: [{containerPort: 8080, hostPort: \(hostPort)}]
              volumeMounts:
                - {name: content, mountPath: /www}
                - {name: scratch, mountPath: /scratch}
          volumes:
            - {name: content, configMap: {name: web-content}}
            - {name: scratch, emptyDir: {medium: Memory, sizeLimit: 8Mi}}

        """
    }

    static func clientYAML(url: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: client}
        spec:
          restartPolicy: Never
          containers:
            - name: main
              image: localhost/swkube-demo:1.0
              command: ["sh", "-c", "for i in $(seq 100); do wget -q -O - \(url) && echo && exit 0; sleep 0.1; done; exit 1"]

        """
    }

    @Test func podsTalkOverPodIPsAHostPortAnswersAndVolumesComeAndGo() throws {
        let node = try NodeHarness()
        defer { node.shutdown() }
        try node.start()
        let hostPort = Int.random(in: 40000...49999)
        try node.write("web.yaml", Self.webYAML(hostPort: hostPort))
        #expect(try waitUntil(seconds: 30) { try node.status("web") == "Running" }, "\(node.daemonLog)")

        let wide = try node.kubectl(["get", "pods", "-o", "wide"]).stdout
        let row = try #require(wide.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.first { $0.first == "web" })
        let ip = try #require(row.count > 5 ? row[5] : nil)
        #expect(ip.hasPrefix(node.subnetPrefix), "\(wide)")

        try waitUntil(seconds: 10) { !node.logLines("web", container: "main").isEmpty }
        #expect(node.logLines("web", container: "main").first == "tmpfs rw,nosuid,nodev,relatime,size=8192k,mode=777")

        try node.write("client.yaml", Self.clientYAML(url: "http://\(ip):8080/index.html"))
        #expect(try waitUntil(seconds: 30) { try node.status("client") == "Completed" }, "\(node.daemonLog)")
        #expect(node.logLines("client", container: "main").contains("hello from a configmap"))

        var body = ""
        #expect(try waitUntil(seconds: 10) {
            let out = try Spawn.run(["/bin/busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:\(hostPort)/index.html"])
            body = out.stdout
            return out.status == 0
        })
        #expect(body == "hello from a configmap")

        node.remove("web.yaml")
        node.remove("client.yaml")
        #expect(try waitUntil(seconds: 30) { try node.kubectl(["get", "pods", "-o", "name"]).stdout.isEmpty })
        #expect(mounts(under: "\(node.root)/pods").isEmpty)
        let podDirs = FS.exists("\(node.root)/pods") ? try FS.list("\(node.root)/pods") : []
        #expect(podDirs.isEmpty)
        let ports = try Spawn.run(["/usr/sbin/ip", "-o", "link", "show", "master", node.bridge]).stdout
        #expect(ports.isEmpty, "veths left on \(node.bridge): \(ports)")
    }

    @Test func aMissingPluginOrHostPathIsThePodsReasonAndLeavesNothing() throws {
        let node = try NodeHarness()
        defer { node.shutdown() }
        // The node's network gains a plugin that is not installed.
        let conf = "\(node.cniConfDir)/10-e2e.conflist"
        let text = try FS.readString(conf)
        try FS.writeAtomic(conf, text.replacingOccurrences(of: #"{"type": "portmap""#, with: #"{"type": "no-such-cni-plugin"}, {"type": "portmap""#))
        try node.start()
        try node.write("net.yaml", NodeEndToEndTests.podYAML("net", script: "exec sleep 1000"))
        try node.write("vol.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: {name: vol}
            spec:
              hostNetwork: true
              containers:
                - name: main
                  image: localhost/swkube-demo:1.0
                  command: ["sleep", "1000"]
                  volumeMounts: [{name: data, mountPath: /data}]
              volumes: [{name: data, hostPath: {path: \(node.dir)/missing, type: Directory}}]

            """)
        #expect(try waitUntil(seconds: 30) {
            let events = try node.kubectl(["get", "events"]).stdout
            return events.contains("plugin \"no-such-cni-plugin\" not found") && events.contains("\(node.dir)/missing: does not exist")
        }, "\(node.daemonLog)")
        #expect(try node.status("net") == "ContainerCreating")
        #expect(try node.status("vol") == "CreateContainerError")
        // The failed sandbox left no namespace mount and no veth; the failed container no rootfs.
        let left = mounts(under: "\(node.run)/sandboxes").map { $0.split(separator: "/").suffix(2).joined(separator: "/") }
        #expect(left.count == 2 && left.contains("ns/ipc") && left.contains { $0.hasSuffix("/shm") },
                "only vol's ipc namespace and /dev/shm tmpfs: \(mounts(under: node.run))")
        #expect(mounts(under: "\(node.run)/containers").isEmpty)
        let ports = try Spawn.run(["/usr/sbin/ip", "-o", "link", "show", "master", node.bridge]).stdout
        #expect(ports.isEmpty, "\(ports)")
    }
}

extension PodNetworkEndToEndTests {
    /// The host-side veths on the node's bridge.
    static func veths(_ node: NodeHarness) throws -> [String] {
        try Spawn.run(["/usr/sbin/ip", "-o", "link", "show", "master", node.bridge]).stdout.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            return fields.count > 1 ? String(fields[1].prefix { $0 != "@" && $0 != ":" }) : nil
        }
    }

    @Test func aDeletedVethIsFoundByCNICheckAndThePodIsRecreatedAlsoAfterARestart() throws {
        let node = try NodeHarness()
        defer { node.shutdown() }
        try node.start()
        try node.write("net.yaml", NodeEndToEndTests.podYAML("net", script: "exec sleep 1000"))
        #expect(try waitUntil(seconds: 30) { try node.status("net") == "Running" }, "\(node.daemonLog)")
        let first = try #require(try Self.veths(node).first)
        #expect(try Spawn.run(["/usr/sbin/ip", "link", "del", first]).status == 0)

        // The next housekeeping (10 s) finds it: an event with the plugin's words, a new sandbox.
        #expect(try waitUntil(seconds: 40) {
            let events = try node.kubectl(["get", "events"]).stdout
            let row = try node.row("net")
            return events.contains("FailedCheckPodSandBoxNetwork") && row?[2] == "Running" && row?[3] == "1"
        }, "\((try? node.kubectl(["describe", "pod", "net"]).stdout) ?? "")")
        let events = try node.kubectl(["get", "events"]).stdout
        #expect(events.contains("cni plugin bridge CHECK") && events.contains("SandboxChanged"), "\(events)")
        let second = try #require(try Self.veths(node).first)
        let afterRecreate = try Self.veths(node)
        #expect(second != first && afterRecreate.count == 1)

        // While the daemon is down the veth goes again: the adopted sandbox's CHECK finds it.
        node.kill9Daemon()
        #expect(try Spawn.run(["/usr/sbin/ip", "link", "del", second]).status == 0)
        try node.start()
        #expect(try waitUntil(seconds: 40) {
            let row = try node.row("net")
            let veths = try Self.veths(node)
            return row?[2] == "Running" && row?[3] == "2" && veths.count == 1
        }, "\((try? node.kubectl(["describe", "pod", "net"]).stdout) ?? "")\n\(node.daemonLog)")
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
