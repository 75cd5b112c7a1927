import CRI
import Controller
import KubeAPI
import Logging
import StateStore
import SwkSupport
import Testing
import TestSupport

/// kubelet's sysctl admission: the safe set, the node's allowed unsafe patterns, the host
/// namespace rules, and kubelet's SysctlForbidden wording.
struct SysctlAdmissionTests {
    static func pod(_ sysctls: [String: String], hostNetwork: Bool = false, hostIPC: Bool = false) -> Pod {
        var pod = NodeControllerTests.pod("tuned")
        var sc = PodSecurityContext()
        sc.sysctls = sysctls.keys.sorted().map { Sysctl(name: $0, value: sysctls[$0] ?? "") }
        pod.spec.securityContext = sc
        pod.spec.hostNetwork = hostNetwork
        pod.spec.hostIPC = hostIPC
        return pod
    }

    @Test(arguments: [
        ("a safe net sysctl in the pod's network", ["net.ipv4.ip_local_port_range": "1024 65000"], false, false, nil),
        ("a safe ipc sysctl in the pod's ipc", ["kernel.shm_rmid_forced": "1"], false, false, nil),
        ("an unsafe sysctl", ["kernel.msgmax": "65536"], false, false, "forbidden sysctl: \"kernel.msgmax\" not allowlisted"),
        ("a sysctl that is not namespaced", ["vm.swappiness": "10"], false, false, "forbidden sysctl: \"vm.swappiness\" not allowlisted"),
        ("a net sysctl with hostNetwork", ["net.ipv4.tcp_syncookies": "1"], true, false,
         "forbidden sysctl: \"net.ipv4.tcp_syncookies\" not allowed with host net enabled"),
        ("an ipc sysctl with hostIPC", ["kernel.shm_rmid_forced": "1"], false, true,
         "forbidden sysctl: \"kernel.shm_rmid_forced\" not allowed with host ipc enabled"),
    ] as [(String, [String: String], Bool, Bool, String?)])
    func theSafeSetAlone(_ scenario: String, _ sysctls: [String: String], _ hostNetwork: Bool, _ hostIPC: Bool, _ message: String?) {
        let rejection = SysctlAllowlist.safeOnly.admit(Self.pod(sysctls, hostNetwork: hostNetwork, hostIPC: hostIPC))
        #expect(rejection == message.map { PodRejection(reason: .sysctlForbidden, message: $0) }, "\(scenario)")
    }

    @Test func allowedUnsafePatternsAdmitWhatTheyMatchAndMustBeNamespaced() throws {
        let allow = try SysctlAllowlist(allowedUnsafe: ["kernel.msg*", "net.core.somaxconn"])
        #expect(allow.admit(Self.pod(["kernel.msgmax": "65536", "net.core.somaxconn": "1024"])) == nil)
        #expect(allow.admit(Self.pod(["kernel.msgmnb": "1"], hostIPC: true))?.message
                == "forbidden sysctl: \"kernel.msgmnb\" not allowed with host ipc enabled")
        #expect(allow.admit(Self.pod(["kernel.sem": "1 2 3 4"]))?.reason == .sysctlForbidden)
        for bad in ["vm.swappiness", "kernel.*", "*", "net.*.x"] {
            let error = #expect(throws: SwkError.self) { try SysctlAllowlist(allowedUnsafe: [bad]) }
            #expect(error?.message.contains("\"\(bad)\" is not known to be namespaced") == true, "\(bad)")
        }
    }

    @Test func theSandboxConfigCarriesThePodsSysctls() {
        let builder = RuntimeConfigBuilder(podLogDir: "/logs", node: ControllerFixture.node)
        let config = builder.sandboxConfig(for: Self.pod(["net.ipv4.ip_local_port_range": "1024 65000", "kernel.shm_rmid_forced": "1"]))
        #expect(config.linux.sysctls == ["net.ipv4.ip_local_port_range": "1024 65000", "kernel.shm_rmid_forced": "1"])
    }

    @Test func aRejectedPodKillsWhatRunsAndHasFailedWithTheRejection() {
        let pod = Self.pod(["kernel.msgmax": "1"])
        var running = ContainerStatus(id: "c1", metadata: ContainerMetadata(name: "app"), state: .running, createdAt: 1,
                                      image: ImageSpec(image: "x"))
        running.annotations[KubeLabels.containerHash] = pod.spec.containers[0].specHash
        var sandbox = PodSandboxStatus(id: "sb1", metadata: PodSandboxMetadata(name: "tuned", uid: pod.metadata.uid, namespace: "default"),
                                       state: .ready, createdAt: 1)
        sandbox.annotations[SwkubeAnnotations.sandboxHash] = SandboxHash.of(pod)
        let rejection = PodRejection(reason: .sysctlForbidden, message: "forbidden sysctl: \"kernel.msgmax\" not allowlisted")
        let actions = computePodActions(desired: pod, observed: ObservedPod(sandboxes: [sandbox], containers: [running]),
                                        backoff: Backoff(policy: .init()), now: 10, rejection: rejection)
        #expect(actions.rejection == rejection && actions.containersToKill.keys.sorted() == ["c1"])
        #expect(actions.sandboxToStop == "sb1" && actions.containersToStart.isEmpty && !actions.createSandbox)
    }
}

extension NodeControllerTests {
    @Test func anUnsafeSysctlRefusesThePodAsKubeletDoesAndOthersRun() async throws {
        let refused = SysctlAdmissionTests.pod(["kernel.msgmax": "65536"])
        var tuned = SysctlAdmissionTests.pod(["net.ipv4.ip_local_port_range": "1024 65000"])
        tuned.metadata.name = "ok"
        tuned.metadata.uid = Pod.derivedUID(namespace: "default", name: "ok")
        await controller.apply(desired(refused, tuned, Self.pod("plain")))
        await controller.waitIdle()
        await sync()
        let calls = await runtime.takeCalls()
        #expect(!calls.contains("runPodSandbox tuned") && calls.contains("runPodSandbox ok") && calls.contains("runPodSandbox plain"), "\(calls)")
        let record = try #require(try record("tuned"))
        #expect(record.phase == .failed && record.reason == "SysctlForbidden")
        #expect(record.message == "forbidden sysctl: \"kernel.msgmax\" not allowlisted")
        #expect(record.containers.allSatisfy { $0.reason.isEmpty }, "no container reason hides the pod's")
        let events = try store.events(podUID: refused.metadata.uid).filter { $0.reason == "SysctlForbidden" }
        #expect(events.count == 1 && events.first?.type == "Warning" && events.first?.message == record.message)
        #expect(try self.record("ok")?.phase == .running && self.record("plain")?.phase == .running)

        // The node opting in (allowed-unsafe-sysctls) admits it.
        var builder = RuntimeConfigBuilder(podLogDir: "\(dir)/logs", node: ControllerFixture.node)
        builder.sysctls = try SysctlAllowlist(allowedUnsafe: ["kernel.msg*"])
        let optedIn = NodeController(runtime: runtime, images: runtime, status: try StatusWriter(store: try StateStore(path: "\(dir)/state.db")),
                                     clock: clock, builder: builder, logger: Logger(label: "test"))
        await optedIn.apply(desired(refused, tuned, Self.pod("plain")))
        await optedIn.waitIdle()
        #expect(await runtime.takeCalls().contains("runPodSandbox tuned"))
        #expect(try self.record("tuned")?.phase == .running)
    }
}
