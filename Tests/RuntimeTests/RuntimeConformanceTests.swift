import CRI
import Testing
import TestSupport

/// The conformance suite against both implementations of `RuntimeService`.
struct RuntimeConformanceTests {
    @Test func fakeRuntimeConforms() async throws {
        let fake = FakeRuntime(clock: TestClock())
        try await RuntimeConformance.check(ConformanceSubject(
            runtime: fake,
            sandboxConfig: { name, labels in
                var c = PodSandboxConfig(metadata: PodSandboxMetadata(name: name, uid: "uid-\(name)", namespace: "default"))
                c.labels = labels
                return c
            },
            container: { name, _ in ContainerConfig(metadata: ContainerMetadata(name: name), image: ImageSpec(image: "busybox:test")) },
            finish: { id, code in await fake.exit(id, code: code) },
            execCommand: { stdout, stderr, code in
                await fake.answerExec(code: code, stdout: stdout, stderr: stderr)
                return ["probe"]
            }))
    }

    @Test(.enabled(if: TestEnvironment.canRunContainers, TestEnvironment.skipReason))
    func localRuntimeConforms() async throws {
        try await Harness.with { h in
            let rt = h.runtime
            try await RuntimeConformance.check(ConformanceSubject(
                runtime: rt,
                sandboxConfig: { name, labels in
                    var c = h.sandboxConfig(name: name)
                    c.labels.merge(labels) { _, new in new }
                    return c
                },
                container: { name, code in
                    h.containerConfig(name: name, code.map { ["sh", "-c", "exit \($0)"] } ?? ["sleep", "1000"])
                },
                finish: { id, _ in
                    // A bounded poll of the real process.
                    let exited = try await eventually { try await rt.containerStatus(id).state == .exited }
                    #expect(exited)
                },
                execCommand: { stdout, stderr, code in
                    ["sh", "-c", "printf \(stdout); printf \(stderr) >&2; exit \(code)"]
                }))
        }
    }
}
