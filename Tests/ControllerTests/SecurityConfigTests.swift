import CRI
import Controller
import KubeAPI
import SwkSupport
import Testing

/// Pod + container securityContext → CRI LinuxContainerSecurityContext, as kubelet merges them.
struct SecurityConfigTests {
    static func pod(_ podSC: PodSecurityContext?, _ sc: SecurityContext?) -> (Pod, KubeAPI.Container) {
        var c = KubeAPI.Container(name: "app", image: "localhost/swkube-demo:1.0")
        c.securityContext = sc
        var meta = ObjectMeta(name: "web", namespace: "edge")
        meta.uid = "u-1"
        var spec = PodSpec(containers: [c])
        spec.securityContext = podSC
        return (Pod(metadata: meta, spec: spec), c)
    }

    static func image(uid: Int64?, username: String = "") -> CRI.Image {
        var image = CRI.Image(id: "sha256:1")
        image.uid = uid
        image.username = username
        return image
    }

    static func build(_ podSC: PodSecurityContext?, _ sc: SecurityContext?, image: CRI.Image? = nil,
                      seccompDefault: Bool = false) throws(SwkError) -> LinuxContainerSecurityContext {
        let (pod, c) = pod(podSC, sc)
        var builder = RuntimeConfigBuilder(podLogDir: "/var/log/pods", node: EnvironmentTests.node)
        builder.seccompDefault = seccompDefault
        return try builder.containerConfig(for: c, in: pod, restartCount: 0, image: image).linux.securityContext
    }

    @Test func noSecurityContextMeansRuntimeDefaultsAndPrivilegeEscalationAllowed() throws {
        let out = try Self.build(nil, nil)
        #expect(out == LinuxContainerSecurityContext())
        #expect(!out.noNewPrivs && out.seccomp == nil && out.runAsUser == nil)
        #expect(try Self.build(nil, nil, seccompDefault: true).seccomp == SecurityProfile(profileType: .runtimeDefault))
    }

    @Test func theContainerWinsOverThePod() throws {
        var podSC = PodSecurityContext()
        podSC.runAsUser = 1000
        podSC.runAsGroup = 3000
        podSC.supplementalGroups = [4000]
        podSC.fsGroup = 2000
        podSC.seccompProfile = SeccompProfile(type: .runtimeDefault)
        var sc = SecurityContext()
        sc.runAsUser = 2000
        sc.seccompProfile = SeccompProfile(type: .localhost, localhostProfile: "profiles/audit.json")
        let out = try Self.build(podSC, sc)
        #expect(out.runAsUser == 2000)
        #expect(out.runAsGroup == 3000)
        #expect(out.supplementalGroups == [4000, 2000])
        #expect(out.seccomp == SecurityProfile(profileType: .localhost, localhostRef: "profiles/audit.json"))
        let podOnly = try Self.build(podSC, nil)
        #expect(podOnly.runAsUser == 1000 && podOnly.seccomp?.profileType == .runtimeDefault)
    }

    @Test(arguments: [(Bool?.none, false), (true, false), (false, true)])
    func noNewPrivsExactlyWhenPrivilegeEscalationIsFalse(allow: Bool?, noNewPrivs: Bool) throws {
        var sc = SecurityContext()
        sc.allowPrivilegeEscalation = allow
        #expect(try Self.build(nil, sc).noNewPrivs == noNewPrivs)
    }

    @Test func containerOnlyFieldsPassThrough() throws {
        var sc = SecurityContext()
        sc.privileged = true
        sc.readOnlyRootFilesystem = true
        sc.capabilities = Capabilities(add: ["NET_ADMIN"], drop: ["ALL"])
        sc.allowPrivilegeEscalation = false
        let out = try Self.build(nil, sc)
        #expect(out.privileged && out.readonlyRootfs)
        #expect(out.capabilities == Capability(addCapabilities: ["NET_ADMIN"], dropCapabilities: ["ALL"]))
        #expect(!out.noNewPrivs, "kubelet never sets no_new_privs on a privileged container")
    }

    struct NonRootCase: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var podUID: Int64?
        var containerUID: Int64?
        var image: CRI.Image?
        var error: String?
    }

    @Test(arguments: [
        NonRootCase(testDescription: "runAsUser 0", podUID: 0, containerUID: nil, image: image(uid: 1000),
                    error: "container's runAsUser breaks non-root policy"),
        NonRootCase(testDescription: "container uid wins", podUID: 0, containerUID: 1000, image: image(uid: 0), error: nil),
        NonRootCase(testDescription: "image root", podUID: nil, containerUID: nil, image: image(uid: 0),
                    error: "container has runAsNonRoot and image will run as root"),
        NonRootCase(testDescription: "image named user", podUID: nil, containerUID: nil, image: image(uid: nil, username: "app"),
                    error: "container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root"),
        NonRootCase(testDescription: "image uid 1000", podUID: nil, containerUID: nil, image: image(uid: 1000), error: nil),
    ])
    func runAsNonRootRefusesRoot(_ c: NonRootCase) throws {
        var podSC = PodSecurityContext()
        podSC.runAsNonRoot = true
        podSC.runAsUser = c.podUID
        var sc = SecurityContext()
        sc.runAsUser = c.containerUID
        do {
            _ = try Self.build(podSC, sc, image: c.image)
            #expect(c.error == nil)
        } catch {
            let message = "\(error)"
            #expect(c.error.map { message.contains($0) } == true, "\(message)")
            #expect(message.contains("container: app"))
        }
    }
}

extension NodeControllerTests {
    @Test func securityContextReachesTheRuntimeAndRunAsNonRootWithARootImageIsAConfigError() async throws {
        var locked = Self.pod("locked")
        var sc = SecurityContext()
        sc.allowPrivilegeEscalation = false
        sc.runAsUser = 1000
        locked.spec.containers[0].securityContext = sc
        var rootImage = Self.pod("root-image")
        var podSC = PodSecurityContext()
        podSC.runAsNonRoot = true
        rootImage.spec.securityContext = podSC
        await runtime.setImageUID("localhost/swkube-demo:1.0", 0)
        await controller.apply(desired(locked, rootImage))
        await controller.waitIdle()
        let created = await runtime.createdSecurity
        #expect(created["app"]?.noNewPrivs == true && created["app"]?.runAsUser == 1000)
        #expect(try record("locked")?.phase == .running)
        let refused = try #require(try record("root-image")?.containers.first)
        #expect(refused.reason == "CreateContainerConfigError")
        #expect(refused.message.contains("container has runAsNonRoot and image will run as root"), "\(refused.message)")
        #expect(await runtime.takeCalls().filter { $0.hasPrefix("createContainer") }.count == 1)
    }
}
