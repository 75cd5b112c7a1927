import Glibc
import SwkSupport
import Testing
import TestSupport

/// Issue 11 items 2–4 on a live node, tried as the attacker would: what a container makes or is
/// given must stay out of reach of the host's other users (checked as uid 65534 through
/// `setpriv`), and a non-tty `exec` must not reach the operator's terminal. The node, not the
/// executor, is under test, so each runs with swkube-runc and with Debian's runc.
@Suite(.serialized, .enabled(if: NodeHarness.isRoot && FS.exists("/usr/bin/setpriv"),
                             "needs root and setpriv (util-linux): the checks run as uid 65534"))
struct HostAccessEndToEndTests {
    static let debianRunc = ["/usr/sbin/runc", "/usr/bin/runc"].first(where: FS.exists)
    static let runtimes = ["swkube-runc"] + (debianRunc.map { [$0] } ?? [])

    /// A node whose test directory is as reachable as /var/lib, /run and /var/log are (mkdtemp
    /// made it 0700, which would hide everything below it and prove nothing).
    static func node(_ runtime: String) throws -> NodeHarness {
        let node = try NodeHarness(runtime: runtime == "swkube-runc" ? nil : runtime)
        chmod(node.dir, 0o755)
        return node
    }

    /// Runs `argv` as uid/gid 65534. Through a shell: setpriv keeps root's capabilities until its
    /// own execve, so the path it execs is resolved with CAP_DAC_OVERRIDE; the shell's is not.
    static func asNobody(_ argv: [String], groups: [gid_t] = [], stdin: Spawn.Stdio = .null) throws -> Spawn.Output {
        let groupFlag = groups.isEmpty ? "--clear-groups" : "--groups=\(groups.map(String.init).joined(separator: ","))"
        return try Spawn.run(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", groupFlag, "--",
                              "/bin/sh", "-c", "exec \"$@\"", "sh"] + argv, stdin: stdin)
    }

    static func mode(_ path: String) -> mode_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode & 0o7777 : nil
    }

    @Test(arguments: runtimes)
    func aSetuidFileAndADeviceNodeMadeInAContainerAreOutOfReachOfOtherUsers(runtime: String) throws {
        let node = try Self.node(runtime)
        defer { node.shutdown() }
        try node.start()
        // busybox named `id` runs its id applet: setuid root, it would report euid=0 to anyone.
        try node.write("maker.yaml", NodeEndToEndTests.podYAML("maker", script: """
            cp /bin/busybox /tmp/id && chmod 4755 /tmp/id && mknod -m 666 /tmp/null c 1 3 && echo made; exec sleep 1000
            """))
        #expect(try waitUntil(seconds: 30) { node.logLines("maker", container: "main").contains("made") }, "\(node.daemonLog)")
        let id = try #require(try containerID(node, pod: "maker"))
        #expect(try Self.asNobody(["/bin/ls", node.dir]).status == 0, "the test directory itself is open to uid 65534")
        for dir in ["\(node.root)/containers/\(id)/upper/tmp", "\(node.run)/containers/\(id)/rootfs/tmp"] {
            // Root sees both, so the refusals below are about access, not absence.
            #expect(Self.mode("\(dir)/id") == 0o4755 && FS.exists("\(dir)/null"), "\(dir)")
            let exec = try Self.asNobody(["\(dir)/id"])
            #expect(exec.status != 0 && exec.stderr.contains("Permission denied"), "exec \(dir)/id: \(exec.stdout)\(exec.stderr)")
            let open = try Self.asNobody(["/bin/sh", "-c", "exec 3<>\"$0\"", "\(dir)/null"])
            #expect(open.status != 0 && open.stderr.contains("Permission denied"), "open \(dir)/null: \(open.stderr)")
        }
    }

    @Test(arguments: runtimes)
    func aCanarySecretIsFoundByRootAndByNoOtherUserInAnySwkubeDirectory(runtime: String) throws {
        let node = try Self.node(runtime)
        defer { node.shutdown() }
        try node.start()
        let canary = "canary-\(UInt64.random(in: 1...UInt64.max))"
        let source = "\(node.dir)/holder.yaml"
        try FS.writeAtomic(source, """
            apiVersion: v1
            kind: Secret
            metadata: {name: creds}
            stringData: {token: \(canary)}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: holder}
            spec:
              terminationGracePeriodSeconds: 2
              securityContext: {runAsUser: 1000, runAsGroup: 1000}
              containers:
                - name: main
                  image: localhost/swkube-demo:1.0
                  command: ["sh", "-c", "echo env=$TOKEN; echo file=$(cat /secret/token); exec sleep 1000"]
                  env:
                    - name: TOKEN
                      valueFrom: {secretKeyRef: {name: creds, key: token}}
                  volumeMounts: [{name: creds, mountPath: /secret}]
              volumes: [{name: creds, secret: {secretName: creds}}]

            """, mode: 0o600)
        let applied = try node.kubectl(["apply", "-f", source])
        #expect(applied.status == 0, "\(applied.stderr)")
        // A non-root container still reads its secret (files per defaultMode, 0644).
        #expect(try waitUntil(seconds: 30) { node.logLines("holder", container: "main").contains("file=\(canary)") },
                "\(node.logLines("holder", container: "main")) \(node.daemonLog)")
        #expect(node.logLines("holder", container: "main").contains("env=\(canary)"))

        let dirs = [node.manifests, node.root, node.run, node.logs]
        let byRoot = try Spawn.run(["/bin/grep", "-rlF", canary] + dirs).stdout.split(separator: "\n")
        for dir in dirs {
            #expect(byRoot.contains { $0.hasPrefix("\(dir)/") }, "root finds the canary under \(dir): \(byRoot)")
        }
        let byOther = try Self.asNobody(["/bin/grep", "-rlF", canary] + dirs)
        #expect(byOther.stdout.isEmpty, "uid 65534 found the canary in \(byOther.stdout)")

        // grep cannot list a 0711 directory, but an attacker who knows the ids (from `ps`, say)
        // opens the files directly: each known place of the canary, read by root, not by others.
        let id = try #require(try containerID(node, pod: "holder"))
        let uid = try #require(try podUID(node, pod: "holder"))
        let bundle = "\(node.run)/containers/\(id)"
        let logFile = try #require(byRoot.first { $0.hasPrefix("\(node.logs)/") })
        let known = ["\(bundle)/config.json", "\(bundle)/container.json", String(logFile),
                     "\(node.root)/pods/\(uid)/volumes/kubernetes.io~secret/creds/token"]
            + byRoot.filter { $0.hasPrefix("\(node.manifests)/") }.map(String.init)
        for path in known {
            #expect((try? FS.readString(path))?.contains(canary) == true, "root reads the canary in \(path)")
            let read = try Self.asNobody(["/bin/cat", path])
            #expect(read.status != 0 && !read.stdout.contains(canary), "uid 65534 read \(path)")
        }
        #expect(Self.mode(bundle) == 0o700)
        #expect(Self.mode("\(bundle)/config.json") == 0o600 && Self.mode("\(bundle)/container.json") == 0o600)
        for file in try FS.list(node.manifests) { #expect(Self.mode("\(node.manifests)/\(file)") == 0o600, "\(file)") }
        #expect(Self.mode(String(logFile)) == 0o640, "\(logFile)")
        #expect(Self.mode("\(node.root)/pods/\(uid)/volumes/kubernetes.io~secret") == 0o750)
    }

    @Test func aStartRepairsAnInstallLeftWithOpenModes() throws {
        let node = try Self.node("swkube-runc")
        defer { node.shutdown() }
        // As an older swkube left them: every directory 0755, state.db 0644; the log directory
        // made world-writable by hand.
        let closed = ["\(node.root)/containers", "\(node.root)/pods", "\(node.root)/content", "\(node.root)/snapshots",
                      node.run, "\(node.run)/containers", "\(node.run)/sandboxes", "\(node.run)/runc"]
        for dir in closed + [node.root] {
            try FS.makeDirectories(dir)
            chmod(dir, 0o755)
        }
        chmod(node.logs, 0o777)
        // A manifest directory open to everyone, and a Secret copied in by hand with 0644.
        chmod(node.manifests, 0o777)
        try node.write("secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {TOKEN: canary-by-hand}\n")
        chmod("\(node.manifests)/secret.yaml", 0o644)
        let db = "\(node.root)/state.db"
        close(open(db, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644))
        chmod(db, 0o644)
        try node.start()
        #expect(try waitUntil(seconds: 20) { try node.kubectl(["get", "pods"]).status == 0 }, "\(node.daemonLog)")
        for dir in closed { #expect(Self.mode(dir) == 0o700, "\(dir)") }
        // Traversed by the `swkube` group's readers on their way to state.db; everything in it is closed.
        #expect(Self.mode(node.root) == 0o711)
        #expect(Self.mode(node.logs) == 0o755)
        for file in [db, "\(db)-wal", "\(db)-shm"] { #expect(Self.mode(file) == 0o640, "\(file)") }
        #expect(try Self.asNobody(["/bin/cat", db]).status != 0)
        #expect(Self.mode(node.manifests) == 0o700, "the manifests are root's alone")
        #expect(try Self.asNobody(["/bin/cat", "\(node.manifests)/secret.yaml"]).status != 0)
        #expect(try Self.asNobody(["/bin/touch", "\(node.manifests)/evil.yaml"]).status != 0)
    }
}
