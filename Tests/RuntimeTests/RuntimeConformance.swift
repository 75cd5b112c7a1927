import CRI
import SwkSupport
import Testing

/// One implementation of `RuntimeService` under the conformance suite, and how to make it do
/// what the suite checks without knowing which one it is.
struct ConformanceSubject: Sendable {
    let runtime: any RuntimeService
    let sandboxConfig: @Sendable (_ name: String, _ labels: [String: String]) -> PodSandboxConfig
    /// A container that exits with `code` once `finish` is called (nil: runs until stopped).
    let container: @Sendable (_ name: String, _ code: Int32?) -> ContainerConfig
    /// Returns once the started container `id`, made with `code`, has exited.
    let finish: @Sendable (_ id: String, _ code: Int32) async throws -> Void
    /// A command whose execSync answers `stdout`, `stderr` and `code`.
    let execCommand: @Sendable (_ stdout: String, _ stderr: String, _ code: Int32) async -> [String]
}

/// What kubelet expects of a CRI runtime, checked against any `RuntimeService` (one suite per
/// interface, as containerd's CRI tests): the fake the controller tests drive must not drift
/// from the runtime the daemon runs.
enum RuntimeConformance {
    static func check(_ s: ConformanceSubject) async throws {
        let rt = s.runtime
        let config = s.sandboxConfig("conform", ["app": "a"])
        let sb = try await rt.runPodSandbox(config)
        let other = try await rt.runPodSandbox(s.sandboxConfig("other", ["app": "b"]))
        #expect(try await rt.podSandboxStatus(sb).state == .ready)
        #expect(try await rt.listPodSandbox(PodSandboxFilter(id: sb)).map(\.id) == [sb])
        #expect(try await rt.listPodSandbox(PodSandboxFilter(labelSelector: ["app": "b"])).map(\.id) == [other])
        #expect(try await rt.listPodSandbox(PodSandboxFilter(labelSelector: ["app": "none"])).isEmpty)

        // Created, not started; then started, exec'd into, and stopped without a grace period.
        let long = try await rt.createContainer(sb, s.container("long", nil), config)
        #expect(try await rt.containerStatus(long).state == .created)
        #expect(try await rt.listContainers(ContainerFilter(podSandboxId: sb)).map(\.id) == [long])
        #expect(try await rt.listContainers(ContainerFilter(id: long)).map(\.podSandboxId) == [sb])
        #expect(try await rt.listContainers(ContainerFilter(podSandboxId: other)).isEmpty)
        try await rt.startContainer(long)
        #expect(try await rt.containerStatus(long).state == .running)
        await expectCode(.failedPrecondition) { try await rt.startContainer(long) }
        let exec = try await rt.execSync(long, await s.execCommand("out", "err", 3), timeout: 10)
        #expect(exec.exitCode == 3)
        #expect(String(decoding: exec.stdout, as: UTF8.self) == "out")
        #expect(String(decoding: exec.stderr, as: UTF8.self) == "err")
        try await rt.stopContainer(long, timeout: 0)
        let stopped = try await rt.containerStatus(long)
        #expect(stopped.state == .exited)
        #expect(stopped.exitCode == 128 + 9)
        await expectCode(.failedPrecondition) { _ = try await rt.execSync(long, ["true"], timeout: 10) }

        // A process that exits by itself reports its code.
        let exiting = try await rt.createContainer(sb, s.container("exiting", 7), config)
        try await rt.startContainer(exiting)
        try await s.finish(exiting, 7)
        let exited = try await rt.containerStatus(exiting)
        #expect(exited.state == .exited)
        #expect(exited.exitCode == 7)
        #expect(exited.reason == "Error")

        // Unknown ids: removal succeeds, everything else is `.notFound`.
        try await rt.removeContainer("no-such-container")
        await expectCode(.notFound) { _ = try await rt.containerStatus("no-such-container") }
        await expectCode(.notFound) { try await rt.startContainer("no-such-container") }
        await expectCode(.notFound) { try await rt.stopContainer("no-such-container", timeout: 0) }
        await expectCode(.notFound) { _ = try await rt.execSync("no-such-container", ["true"], timeout: 10) }
        await expectCode(.notFound) { _ = try await rt.podSandboxStatus("no-such-sandbox") }
        await expectCode(.notFound) { _ = try await rt.createContainer("no-such-sandbox", s.container("x", nil), config) }
        await expectCode(.notFound) {
            _ = try await rt.portForward("no-such-sandbox", port: 80, request: [], responseLimit: 1, timeout: 1)
        }

        // Stopping a sandbox stops its containers, twice is fine, and it takes no new ones.
        let running = try await rt.createContainer(sb, s.container("running", nil), config)
        try await rt.startContainer(running)
        try await rt.stopPodSandbox(sb)
        try await rt.stopPodSandbox(sb)
        #expect(try await rt.podSandboxStatus(sb).state == .notReady)
        #expect(try await rt.containerStatus(running).state == .exited)
        await expectCode(.failedPrecondition) { _ = try await rt.createContainer(sb, s.container("late", nil), config) }

        // Removing it removes its containers; removing it again succeeds.
        try await rt.removePodSandbox(sb)
        try await rt.removePodSandbox(sb)
        #expect(try await rt.listContainers(ContainerFilter(podSandboxId: sb)).isEmpty)
        await expectCode(.notFound) { _ = try await rt.containerStatus(long) }
        await expectCode(.notFound) { _ = try await rt.podSandboxStatus(sb) }
        #expect(try await rt.listPodSandbox(nil).map(\.id) == [other])
        try await rt.removePodSandbox(other)
    }

    static func expectCode(_ code: SwkError.Code, sourceLocation: SourceLocation = #_sourceLocation,
                           _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected a \(code.rawValue) error, got none", sourceLocation: sourceLocation)
        } catch {
            #expect((error as? SwkError)?.code == code, "\(error)", sourceLocation: sourceLocation)
        }
    }
}
