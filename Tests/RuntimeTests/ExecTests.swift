import CRI
import Glibc
@testable import Runtime
import SwkSupport
import Testing

@Suite(.enabled(if: TestEnvironment.canRunContainers, TestEnvironment.skipReason))
struct ExecTests {
    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func execSyncReturnsOutputAndExitCodeFromInsideTheContainer() async throws {
        try await Harness.with { h in
            let (_, id) = try await h.runContainer(["sleep", "1000"]) { $0.envs = [KeyValue(key: "GREETING", value: "hi")] }
            let r = try await h.runtime.execSync(id, ["sh", "-c", "echo out $GREETING; echo err >&2; hostname; echo $$; exit 7"], timeout: 30)
            #expect(r.exitCode == 7)
            let lines = text(r.stdout).split(separator: "\n").map(String.init)
            #expect(lines.prefix(2) == ["out hi", "web"], "the container's env and uts namespace")
            #expect(lines.count == 3 && lines[2] != "1", "a new process, not the init")
            #expect(text(r.stderr) == "err\n")
        }
    }

    @Test func aTimedOutCommandFailsAndIsKilled() async throws {
        try await Harness.with { h in
            let (_, id) = try await h.runContainer(["sleep", "1000"])
            let error = await #expect(throws: SwkError.self) { try await h.runtime.execSync(id, ["sleep", "777"], timeout: 1) }
            #expect(error?.message.contains("timed out after 1 s") == true)
            let ps = try await h.runtime.execSync(id, ["ps", "-o", "args"], timeout: 30)
            #expect(!text(ps.stdout).contains("sleep 777"), "\(text(ps.stdout))")
        }
    }

    @Test func execSyncNeedsARunningContainer() async throws {
        try await Harness.with { h in
            let (_, id) = try await h.runContainer(["true"])
            #expect(try await eventually { try await h.runtime.containerStatus(id).state == .exited })
            let exited = await #expect(throws: SwkError.self) { try await h.runtime.execSync(id, ["true"], timeout: 5) }
            #expect(exited?.code == .failedPrecondition)
            let unknown = await #expect(throws: SwkError.self) { try await h.runtime.execSync("nope", ["true"], timeout: 5) }
            #expect(unknown?.code == .notFound)
        }
    }
}
