import Glibc
import SwkSupport
import TestSupport
import Testing

/// The layering of docs/architecture.md, checked on the sources by scripts/import-graph.py:
/// imports point down only, the controller imports no C and no runtime internals, and every
/// target declares exactly what it imports.
@Suite(.enabled(if: FS.exists("/usr/bin/python3"), "python3 runs scripts/import-graph.py"))
struct ImportGraphTests {
    static let repoRoot: String = {
        var dir = FS.dirname(of: #filePath)
        while !FS.exists("\(dir)/Package.swift") && dir != "/" { dir = FS.dirname(of: dir) }
        return dir
    }()

    static func check(root: String) throws -> Spawn.Output {
        try Spawn.run(["/usr/bin/python3", "\(repoRoot)/scripts/import-graph.py", "--check", "--root", root])
    }

    @Test func theSourcesFollowTheLayers() throws {
        let out = try Self.check(root: Self.repoRoot)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("Controller -> CRI KubeAPI Logging StateStore SwkSupport\n"), "\(out.stdout)")
    }

    /// docs/architecture.md shows the graph as the script prints it.
    @Test func theArchitectureDocShowsTheGraph() throws {
        let out = try Spawn.run(["/usr/bin/python3", "\(Self.repoRoot)/scripts/import-graph.py", "--root", Self.repoRoot])
        let doc = try FS.readString("\(Self.repoRoot)/docs/architecture.md")
        let start = try #require(doc.firstRange(of: "<!-- import-graph -->\n```\n"))
        let end = try #require(doc.firstRange(of: "```\n<!-- /import-graph -->"))
        #expect(String(doc[start.upperBound..<end.lowerBound]) == out.stdout,
                "regenerate the block in docs/architecture.md with scripts/import-graph.py")
    }

    /// The check is not vacuous: a controller that reaches for C or the runtime, an upward import
    /// and an undeclared one are each reported.
    @Test func violationsAreReported() throws {
        let root = try makeTempDir("import-graph")
        defer { try? FS.removeTree(root) }
        let files = [
            "Controller/A.swift": "import CSwkSys\nimport Runtime\nimport CRI\n",
            "Runtime/B.swift": "import CRI\nimport Controller\n",
            "CRI/C.swift": "import Glibc\n",
        ]
        for (path, text) in files {
            try FS.makeDirectories(FS.dirname(of: "\(root)/Sources/\(path)"))
            try FS.writeAtomic("\(root)/Sources/\(path)", text)
        }
        try FS.makeDirectories("\(root)/Sources/CSwkSys")
        try FS.writeAtomic("\(root)/Package.swift", """
            .target(name: "Controller", dependencies: ["CSwkSys", "Runtime", "CRI"]),
            .target(name: "Runtime", dependencies: ["CRI"]),
            .target(name: "CRI"),
            .target(name: "CSwkSys"),
            """)
        let out = try Self.check(root: root)
        #expect(out.status == 1)
        #expect(out.stderr == """
            violation: Controller imports C module CSwkSys: the controller goes through SwkSupport or the runtime
            violation: Controller imports Runtime: the controller reaches the runtime only through the CRI protocols
            violation: Runtime imports Controller: a layer may import only the layers below it
            violation: Runtime imports Controller without declaring it in Package.swift

            """)
    }
}
