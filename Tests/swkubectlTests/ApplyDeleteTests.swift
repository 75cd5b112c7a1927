import Glibc
@testable import KubeCtl
import SwkSupport
import Testing

/// A node with an empty manifest directory and files to apply from.
private final class ManifestNode {
    let node: FixtureNode
    var dir: String { node.paths.manifestDir }

    init() throws {
        node = try FixtureNode(populate: false)
        try FS.makeDirectories(node.paths.manifestDir)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = "\(node.root)/\(name)"
        try FS.writeAtomic(path, text)
        return path
    }

    func run(_ args: String..., stdin: String? = nil) throws -> Output {
        var ctx = fixedContext()
        var fds: [Int32] = [0, 0]
        if let stdin {
            try #require(pipe(&fds) == 0)
            _ = Array(stdin.utf8).withUnsafeBytes { FS.writeAll(fds[1], $0) }
            close(fds[1])
            ctx.stdinFD = fds[0]
        }
        defer { if stdin != nil { close(fds[0]) } }
        return Swkubectl.execute(args + ["--root-dir", node.root, "--pod-manifest-path", dir], ctx)
    }

    /// The manifest directory: file name → content.
    func files() throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try FS.list(dir) { out[name] = try FS.readString("\(dir)/\(name)") }
        return out
    }
}

private func pod(_ name: String, image: String = "busybox:1.36", comment: String = "") -> String {
    """
    \(comment)apiVersion: v1
    kind: Pod
    metadata:
      name: \(name)
    spec:
      containers:
      - name: main
        image: \(image)

    """
}

@Suite struct ApplyAndDelete {
    @Test func applyCreatesOneFilePerPodThenReportsUnchangedAndConfigured() throws {
        let m = try ManifestNode()
        let source = try m.write("web.yaml", pod("web", comment: "# the web pod\n"))
        #expect(try m.run("apply", "-f", source) == Output(stdout: "pod/web created\n"))
        #expect(try m.files() == ["default_web.yaml": pod("web", comment: "# the web pod\n")])
        #expect(try m.run("apply", "-f", source) == Output(stdout: "pod/web unchanged\n"))
        // Reformatting alone does not change the pod.
        let reformatted = try m.write("web2.yaml", #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},"spec":{"containers":[{"name":"main","image":"busybox:1.36"}]}}"#)
        #expect(try m.run("apply", "-f", reformatted) == Output(stdout: "pod/web unchanged\n"))
        let changed = try m.write("web.yaml", pod("web", image: "busybox:1.37"))
        #expect(try m.run("apply", "-f", changed) == Output(stdout: "pod/web configured\n"))
        #expect(try m.files() == ["default_web.yaml": pod("web", image: "busybox:1.37")])
    }

    @Test func applyReplacesTheDocumentOfTheFileThatDeclaresThePod() throws {
        let m = try ManifestNode()
        let site = "# site pods\n" + pod("a") + "---\n# b stays\n" + pod("b")
        try FS.writeAtomic("\(m.dir)/site.yaml", site)
        let source = try m.write("a.yaml", pod("a", image: "nginx:1"))
        #expect(try m.run("apply", "-f", source) == Output(stdout: "pod/a configured\n"))
        #expect(try m.files() == ["site.yaml": pod("a", image: "nginx:1") + "---\n# b stays\n" + pod("b")])
    }

    @Test func anInvalidManifestWritesNothing() throws {
        let m = try ManifestNode()
        let good = try m.write("good.yaml", pod("good"))
        let bad = try m.write("bad.yaml", pod("bad").replacing("image: busybox:1.36", with: "image: \"\"\n    restartPolicy: x"))
        let out = try m.run("apply", "-f", good, "-f", bad)
        #expect(out.exitCode == 1 && out.stdout.isEmpty)
        #expect(out.stderr.hasPrefix("error: \(bad):"))
        for line in out.stderr.split(separator: "\n") {
            #expect(line.hasPrefix("error: \(bad):"), "\(line)")
        }
        #expect(try m.files().isEmpty)
    }

    @Test func applyPositionsYAMLErrors() throws {
        let m = try ManifestNode()
        let bad = try m.write("bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: main\n    image: busybox\n    restartPolicy: Sometimes\n")
        let out = try m.run("apply", "-f", bad)
        #expect(out.exitCode == 1)
        #expect(out.stderr == "error: \(bad):9:20: spec.containers[0].restartPolicy: invalid value \"Sometimes\": must be one of Always, OnFailure, Never\n")
        #expect(try m.files().isEmpty)
    }

    @Test func warningsDoNotStopTheApply() throws {
        let m = try ManifestNode()
        let text = pod("w").replacing("    image: busybox:1.36\n", with: "    image: busybox:1.36\n    colour: blue\n")
        #expect(try m.run("apply", "-f", "-", stdin: text) == Output(
            stdout: "pod/w created\n", stderr: "warning: stdin:9:5: spec.containers[0].colour: unknown field \"colour\"\n"))
        #expect(try m.files() == ["default_w.yaml": text])
    }

    @Test func applyReadsStandardInputAndDirectories() throws {
        let m = try ManifestNode()
        #expect(try m.run("apply", "-f", "-", stdin: pod("one") + "---\n" + pod("two")) ==
                Output(stdout: "pod/one created\npod/two created\n"))
        try FS.makeDirectories("\(m.node.root)/in")
        try FS.writeAtomic("\(m.node.root)/in/three.yaml", pod("three"))
        try FS.writeAtomic("\(m.node.root)/in/.hidden.yaml", pod("hidden"))
        try FS.writeAtomic("\(m.node.root)/in/notes.txt", "not a manifest")
        #expect(try m.run("apply", "-f", "\(m.node.root)/in") == Output(stdout: "pod/three created\n"))
        #expect(try m.files().keys.sorted() == ["default_one.yaml", "default_three.yaml", "default_two.yaml"])
        #expect(try m.files()["default_two.yaml"] == pod("two"))
    }

    @Test func applyOfAListDeclaresEachItem() throws {
        let m = try ManifestNode()
        let list = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Pod
              metadata: {name: l1, namespace: edge}
              spec: {containers: [{name: main, image: busybox}]}

            """
        #expect(try m.run("apply", "-f", "-", stdin: list) == Output(stdout: "pod/l1 created\n"))
        let text = try #require(try m.files()["edge_l1.yaml"])
        #expect(text.contains("name: l1") && text.contains("namespace: edge"))
        #expect(try m.run("apply", "-f", "-", stdin: list) == Output(stdout: "pod/l1 unchanged\n"))
    }

    @Test func aPodTwiceInOneApplyIsRefused() throws {
        let m = try ManifestNode()
        let a = try m.write("a.yaml", pod("dup"))
        let b = try m.write("b.yaml", pod("dup", image: "nginx"))
        let out = try m.run("apply", "-f", a, "-f", b)
        #expect(out == Output(stderr: "error: \(b): pod/dup (namespace default) is also declared in \(a)\n", exitCode: 1))
    }

    @Test func deleteRemovesAFileThatDeclaredOnlyThatPod() throws {
        let m = try ManifestNode()
        try FS.writeAtomic("\(m.dir)/web.yaml", pod("web"))
        #expect(try m.run("delete", "pod", "web") == Output(stdout: "pod \"web\" deleted\n"))
        #expect(try m.files().isEmpty)
        #expect(try m.run("delete", "pod", "web") ==
                Output(stderr: "Error from server (NotFound): pods \"web\" not found\n", exitCode: 1))
    }

    @Test func deleteRewritesAFileWithoutThatDocumentOnly() throws {
        let m = try ManifestNode()
        let first = "# first\n" + pod("a")
        let third = "--- # third\n" + pod("c")
        try FS.writeAtomic("\(m.dir)/site.yaml", first + "---\n" + pod("b") + third)
        #expect(try m.run("delete", "pods", "b", "-n", "default") == Output(stdout: "pod \"b\" deleted\n"))
        #expect(try m.files() == ["site.yaml": first + third])
        #expect(try m.run("delete", "pod/a") == Output(stdout: "pod \"a\" deleted\n"))
        #expect(try m.files() == ["site.yaml": third])
    }

    @Test func deleteOfAListItemKeepsTheOtherItems() throws {
        let m = try ManifestNode()
        try FS.writeAtomic("\(m.dir)/list.yaml", """
            apiVersion: v1
            kind: List
            items:
            - {apiVersion: v1, kind: Pod, metadata: {name: x}, spec: {containers: [{name: m, image: busybox}]}}
            - {apiVersion: v1, kind: Pod, metadata: {name: y}, spec: {containers: [{name: m, image: busybox}]}}

            """)
        #expect(try m.run("delete", "pod", "x") == Output(stdout: "pod \"x\" deleted\n"))
        let text = try #require(try m.files()["list.yaml"])
        #expect(!text.contains("name: x") && text.contains("name: y") && text.contains("kind: List"))
        #expect(try m.run("delete", "pod", "y") == Output(stdout: "pod \"y\" deleted\n"))
        #expect(try m.files().isEmpty)
    }

    @Test func deleteByFileNamesEachObject() throws {
        let m = try ManifestNode()
        _ = try m.run("apply", "-f", "-", stdin: pod("one") + "---\n" + pod("two"))
        let source = try m.write("both.yaml", pod("one") + "---\n" + pod("two") + "---\n" + pod("three"))
        let out = try m.run("delete", "-f", source)
        #expect(out == Output(stdout: "pod \"one\" deleted\npod \"two\" deleted\n",
                              stderr: "Error from server (NotFound): pods \"three\" not found\n", exitCode: 1))
        #expect(try m.files().isEmpty)
    }

    @Test func deleteByDirectoryAndStandardInput() throws {
        let m = try ManifestNode()
        _ = try m.run("apply", "-f", "-", stdin: pod("one") + "---\n" + pod("two"))
        try FS.makeDirectories("\(m.node.root)/in")
        try FS.writeAtomic("\(m.node.root)/in/one.yaml", pod("one"))
        #expect(try m.run("delete", "-f", "\(m.node.root)/in") == Output(stdout: "pod \"one\" deleted\n"))
        #expect(try m.run("delete", "-f", "-", stdin: pod("two")) == Output(stdout: "pod \"two\" deleted\n"))
        #expect(try m.files().isEmpty)
        #expect(try m.run("delete", "-f", "\(m.node.root)/missing.yaml") ==
                Output(stderr: "error: the path \"\(m.node.root)/missing.yaml\" does not exist\n", exitCode: 1))
    }

    @Test func deleteUsageErrors() throws {
        let m = try ManifestNode()
        #expect(try m.run("delete", "svc", "x").stderr.contains("the server doesn't have a resource type \"svc\""))
        #expect(try m.run("delete", "pod").stderr.contains("resource(s) were provided, but no name was specified"))
    }

    @Test func splittingKeepsEveryByte() {
        for text in ["", "a: 1\n", "---\na: 1\n---\nb: 2", "# c\n---\na: 1\n--- # x\nb: 2\n...\n"] {
            #expect(ManifestFile.split(text).joined() == text)
        }
        #expect(ManifestFile.split("a: 1\n---\nb: 2\n") == ["a: 1\n", "---\nb: 2\n"])
    }
}
