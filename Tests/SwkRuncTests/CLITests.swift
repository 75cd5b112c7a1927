import FoundationEssentials
import Glibc
import OCI
import SwkSupport
import Testing
@testable import SwkRunc

/// The command-line surface that needs no root: spec, features, --version, errors.
struct CLITests {
    @Test func specWritesAConfigThatLoads() throws {
        let f = try Fixture("spec")
        defer { f.cleanup() }
        let dir = "\(f.dir)/specbundle"
        try FS.makeDirectories("\(dir)/rootfs")
        let out = try Spawn.run([Fixture.runtime, "spec", "--bundle=\(dir)"])
        #expect(out.status == 0, "\(out.stderr)")
        let spec = try Config.load(bundle: dir).spec
        #expect(spec.process?.args == ["sh"])
        #expect(spec.linux?.namespaces?.map(\.type) == ["pid", "network", "ipc", "uts", "mount"])
        let again = try Spawn.run([Fixture.runtime, "spec", "--bundle", dir])
        #expect(again.status == 1 && again.stderr.contains("exists"))
    }

    struct Features: Decodable {
        struct LinuxFeatures: Decodable { var namespaces: [String] }
        var ociVersionMax: String
        var linux: LinuxFeatures
    }

    @Test func featuresIsJSON() throws {
        let out = try Spawn.run([Fixture.runtime, "features"])
        #expect(out.status == 0)
        let features = try JSONDecoder().decode(Features.self, from: Data(out.stdout.utf8))
        #expect(features.ociVersionMax == Spec.version)
        #expect(features.linux.namespaces.contains("cgroup"))
    }

    @Test func versionAndUnknownCommand() throws {
        let version = try Spawn.run([Fixture.runtime, "--version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("swkube-runc version "))
        let bad = try Spawn.run([Fixture.runtime, "--root", "/nonexistent", "frobnicate"])
        #expect(bad.status == 1)
        #expect(bad.stderr == "swkube-runc: unknown command \"frobnicate\"\n")
        let missing = try Spawn.run([Fixture.runtime, "--root=/nonexistent-swkube", "state", "nope"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "swkube-runc: container nope does not exist\n")
    }
}
