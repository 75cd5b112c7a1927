import Glibc
import SwkSupport
import Testing

/// Broken bundles fail `create` with exit 1, a message naming the field, and nothing left behind.
@Suite(.enabled(if: Fixture.isRoot, "needs root for namespaces, mounts and cgroups"))
struct BrokenConfigTests {
    func expectFailure(_ tag: String, mentioning text: String, _ edit: (Fixture) throws -> Void) throws {
        let f = try Fixture(tag)
        defer { f.cleanup() }
        f.script("true")
        try f.writeConfig()
        try edit(f)
        let out = try f.runtime(["create", "--bundle", f.bundle, f.id])
        #expect(out.status == 1)
        #expect(out.stderr.contains(text), "stderr: \(out.stderr)")
        #expect(out.stderr.split(separator: "\n").count == 1, "one line: \(out.stderr)")
        #expect(f.leftovers.isEmpty, "left behind: \(f.leftovers)")
    }

    @Test func wrongJSONType() throws {
        try expectFailure("type", mentioning: "process.args") { f in
            let text = try FS.readString("\(f.bundle)/config.json")
            try f.writeRawConfig(text.replacing("\"args\":[\"sh\",\"-c\",\"true\"]", with: "\"args\":\"sh\""))
        }
    }

    @Test func unknownNamespace() throws {
        try expectFailure("ns", mentioning: "linux.namespaces[5].type") { f in
            f.spec.linux?.namespaces?.append(.init(type: "bogus"))
            try f.writeConfig()
        }
    }

    @Test func missingRootfs() throws {
        try expectFailure("rootfs", mentioning: "root.path") { f in
            f.spec.root?.path = "nowhere"
            try f.writeConfig()
        }
    }

    @Test func programNotFound() throws {
        try expectFailure("args0", mentioning: "process.args[0] nosuchprogram: No such file or directory") { f in
            f.spec.process?.args = ["nosuchprogram"]
            // Nested: the parent cgroup created for it must go too.
            f.spec.linux?.cgroupsPath = f.cgroupPath + "/inner"
            try f.writeConfig()
        }
    }

    @Test func failingMountNamesStepAndObject() throws {
        try expectFailure("mount", mentioning: "mount ") { f in
            f.spec.mounts?.append(.init(destination: "/x", type: "nosuchfs", source: "none"))
            try f.writeConfig()
        }
    }
}
