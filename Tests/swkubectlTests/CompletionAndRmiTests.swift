import Glibc
@testable import KubeCtl
import ImageStore
import StateStore
import SwkSupport
import Testing

@Suite struct CompletionScripts {
    @Test(arguments: ["bash", "zsh", "fish"])
    func scriptsNameEveryVerb(shell: String) {
        let out = Swkubectl.execute(["completion", shell], fixedContext())
        #expect(out.exitCode == 0 && out.stderr.isEmpty)
        for verb in ["apply", "delete", "logs", "exec", "top", "rmi", "describe"] {
            #expect(out.stdout.contains(verb), "\(shell) script lacks \(verb)")
        }
    }

    @Test func unknownShell() {
        #expect(Swkubectl.execute(["completion", "tcsh"], fixedContext()) ==
                Output(stderr: "error: unsupported shell type \"tcsh\" (bash, zsh or fish)\n", exitCode: 1))
    }

    @Test func podNamesCompleteFromTheStateDatabase() throws {
        let node = try FixtureNode()
        // What the generated bash function runs for `swkubectl --root-dir R get pods c<TAB>`.
        let out = Swkubectl.execute(["---completion", "get", "pods", "--", "positional@0", "5", "1",
                                     "swkubectl", "--root-dir", node.root, "get", "pods", "c"], fixedContext())
        #expect(out.stdout.split(separator: "\n") == ["crash", "creating"], "\(out)")
        #expect(podNames(["swkubectl", "logs", "-n", "kube-system", "--root-dir=\(node.root)", ""], 5, "") == ["agent"])
    }
}

@Suite struct RemoveImages {
    static let repoRoot: String = {
        var dir = FS.dirname(of: #filePath)
        while !FS.exists("\(dir)/Package.swift") && dir != "/" { dir = FS.dirname(of: dir) }
        return dir
    }()

    @Test(.enabled(if: FS.exists("/bin/busybox"), "needs busybox-static to build the demo image"))
    func refusedWhileAPodUsesTheImage() throws {
        let node = try FixtureNode(populate: false)
        let built = try Spawn.run(["/bin/bash", "\(Self.repoRoot)/scripts/build-demo-image.sh", "\(node.root)/demo.tar"])
        try #require(built.status == 0, "\(built.stderr)")
        #expect(node.run("import", "\(node.root)/demo.tar").exitCode == 0)
        // Unpacked at import, as `ctr images import` does: the first pod does not wait for it.
        #expect(try !FS.list("\(node.root)/snapshots").filter { !$0.hasPrefix("tmp-") }.isEmpty)
        let image = try #require(try ImageStore(root: node.root).resolve("localhost/swkube-demo:1.0"))

        let store = try StateStore(path: node.paths.statePath)
        var c = ContainerRecord(name: "app", image: "localhost/swkube-demo:1.0", state: .running)
        c.imageID = image.id
        try store.upsertPod(FixtureNode.pod("user", phase: .running, age: minute, [c]))
        #expect(node.run("rmi", "localhost/swkube-demo:1.0") == Output(
            stderr: "error: image localhost/swkube-demo:1.0 is in use by pod default/user (container app): delete the pod first\n", exitCode: 1))
        #expect(node.run("rmi", String(image.id.dropFirst(7).prefix(12))).exitCode == 1)

        try store.deletePod(uid: "default-user-uid")
        #expect(node.run("rmi", "localhost/swkube-demo:1.0") == Output(stdout: "Deleted: localhost/swkube-demo:1.0\n"))
        #expect(try ImageStore(root: node.root).list().isEmpty)
        #expect(try FS.list("\(node.root)/snapshots").isEmpty)
        #expect(node.run("rmi", "localhost/swkube-demo:1.0") == Output(stderr: "error: no such image localhost/swkube-demo:1.0\n", exitCode: 1))
    }
}
