import Glibc
import SwkSupport
import Testing

/// Waiting for child processes from async code (CNI plugins, shims, runtime calls).
struct SpawnTests {
    @Test func runAsyncReturnsTheExitCodeAndOutput() async throws {
        let out = try await Spawn.runAsync(["/bin/sh", "-c", "echo out; echo err >&2; exit 7"])
        #expect(out.status == 7)
        #expect(out.stdout == "out\n")
        #expect(out.stderr == "err\n")
    }

    @Test func aKilledChildIsReportedAs128PlusTheSignal() async throws {
        let pid = try Spawn.start(["/bin/sleep", "infinity"])
        kill(pid, SIGKILL)
        #expect(try await Spawn.waitAsync(pid) == 128 + SIGKILL)
    }

    @Test func waitsForManyChildrenAtOnceWithoutAThreadEach() async throws {
        // More children than the cooperative pool has threads: a blocking wait would stall here.
        let codes = try await withThrowingTaskGroup(of: Int32.self) { group in
            for i in 0..<40 {
                group.addTask { try await Spawn.runAsync(["/bin/sh", "-c", "sleep 0.2; exit \(i % 5)"]).status }
            }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(codes.sorted() == (0..<40).map { Int32($0 % 5) }.sorted())
    }

    @Test func aCancelledWaitThrowsAndLeavesTheChildToTheCaller() async throws {
        let pid = try Spawn.start(["/bin/sleep", "infinity"])
        let waiter = Task { try await Spawn.waitAsync(pid) }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        kill(pid, SIGKILL)
        #expect(try Spawn.wait(pid) == 128 + SIGKILL)
    }
}
