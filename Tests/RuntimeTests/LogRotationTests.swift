import CRI
import Glibc
@testable import Runtime
import SwkSupport
import Testing

@Suite(.enabled(if: TestEnvironment.canRunContainers, TestEnvironment.skipReason))
struct LogRotationTests {
    @Test func theShimRotatesBySizeAndKeepsTheNewestFiles() async throws {
        try await Harness.with(configure: { $0.logMaxSize = 4096; $0.logMaxFiles = 3 }) { h in
            // ~200 KB in many writes: more than one pipe read, so several rotations.
            let (_, id) = try await h.runContainer(["sh", "-c",
                "i=1; while [ $i -le 2000 ]; do echo \"line-$i ..................................................\"; i=$((i+1)); done"])
            #expect(try await eventually { try await h.runtime.containerStatus(id).state == .exited })
            let dir = "\(h.logDir)/main"
            let names = try FS.list(dir).sorted()
            // The current file and the two newest rotated ones (rotated names sort oldest first).
            #expect(names.count == 3, "\(names)")
            #expect(names.contains("0.log"))
            let ordered = names.filter { $0 != "0.log" } + ["0.log"]
            for name in ordered.dropLast() {
                var st = stat()
                #expect(stat("\(dir)/\(name)", &st) == 0 && st.st_size >= 4096, "\(name) rotated before it was full")
            }
            let numbers = try ordered.flatMap { try criLogLines("\(dir)/\($0)") }.map { line in
                Int(line.text.split(separator: " ").first?.dropFirst("line-".count) ?? "") ?? -1
            }
            #expect(numbers.last == 2000)
            #expect(numbers.first.map { $0 > 1 } == true, "the oldest lines were rotated away")
            let gaps = zip(numbers, numbers.dropFirst()).filter { $0.1 != $0.0 + 1 }
            #expect(gaps.isEmpty, "the kept lines are the newest, in order, none lost: breaks at \(gaps.prefix(3))")
        }
    }
}
