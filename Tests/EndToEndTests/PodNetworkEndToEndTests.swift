import Glibc
import SwkSupport
import Testing

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
        #expect(mounts(under: "\(node.run)/sandboxes").count == 1, "only vol's ipc namespace: \(mounts(under: node.run))")
        #expect(mounts(under: "\(node.run)/containers").isEmpty)
        let ports = try Spawn.run(["/usr/sbin/ip", "-o", "link", "show", "master", node.bridge]).stdout
        #expect(ports.isEmpty, "\(ports)")
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
