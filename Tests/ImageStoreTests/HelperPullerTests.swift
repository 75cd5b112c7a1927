import Glibc
import ImageStore
import SwkSupport
import Testing
import TestSupport

/// The pull helper's wiring, against a stand-in `swkube-pull` script: the command line it gets and
/// how its exit and error lines become the pull's error.
struct HelperPullerTests {
    let dir: String
    let puller: HelperPuller

    init() throws {
        dir = try makeTempDir("puller")
        // Records its arguments; fails as the helper does, by reference.
        try FS.writeAtomic("\(dir)/swkube-pull", """
            #!/bin/sh
            printf '%s\\n' "$@" > "\(dir)/args"
            case "$6" in
              ok) exit 0 ;;
              quiet) exit 3 ;;
              *) echo "warning: registry mirror skipped" >&2
                 echo "error: manifest unknown" >&2
                 echo "warning: retry later" >&2
                 exit 1 ;;
            esac

            """, mode: 0o755)
        puller = HelperPuller(helper: "\(dir)/swkube-pull", rootDir: "\(dir)/root", registryConfig: "\(dir)/registries.yaml")
    }

    func recordedArguments() throws -> [String] {
        try FS.readString("\(dir)/args").split(separator: "\n").map(String.init)
    }

    @Test func thePullRunsTheHelperOnTheNodesStoreAndRegistryConfig() async throws {
        try await puller.pull("ok")
        #expect(try recordedArguments() == ["--root-dir", "\(dir)/root", "pull", "--registry-config", "\(dir)/registries.yaml", "ok"])
    }

    @Test func aFailedPullIsTheHelpersLastErrorLine() async throws {
        let error = await #expect(throws: SwkError.self) { try await puller.pull("missing:1.0") }
        #expect(error?.code == .unavailable)
        #expect(error?.message == "manifest unknown", "warnings skipped, the error: prefix dropped")
    }

    @Test func aSilentFailureIsItsExitStatus() async throws {
        let error = await #expect(throws: SwkError.self) { try await puller.pull("quiet") }
        #expect(error?.message == "exit status 3")
    }
}
