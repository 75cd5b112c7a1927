import CRI
import Glibc
@testable import Runtime
import SwkSupport
import Testing

/// mountPropagation → config.json and the source checks, without running anything.
struct PropagationPlanTests {
    static func bundle(_ mounts: [CRI.Mount]) throws -> BundleConfig {
        try BundleConfig.make(.init(args: ["sh"], env: [], cwd: "/", user: .init(uid: 0, gid: 0, additionalGids: []),
                                    hostname: "", sharedNamespaces: [:], cgroupsPath: "/swkube/u/c", resources: .init(),
                                    mounts: mounts, etcFiles: []))
    }

    static func bind(_ path: String, _ propagation: MountPropagation) -> CRI.Mount {
        var m = CRI.Mount(containerPath: path, hostPath: "/srv\(path)")
        m.propagation = propagation
        return m
    }

    @Test(arguments: [
        ([MountPropagation.private], ["rprivate"], nil),
        ([.hostToContainer, .private], ["rslave", "rprivate"], "rslave"),
        ([.hostToContainer, .bidirectional, .hostToContainer], ["rslave", "rshared", "rslave"], "rshared"),
    ] as [([MountPropagation], [String], String?)])
    func eachMountGetsItsModeAndTheRootfsTheWidestOne(modes: [MountPropagation], options: [String], rootfs: String?) throws {
        let b = try Self.bundle(modes.enumerated().map { Self.bind("/m\($0.offset)", $0.element) })
        let binds = b.mounts.filter { $0.destination.hasPrefix("/m") }
        #expect(binds.map { $0.options[1] } == options)
        #expect(b.linux.rootfsPropagation == rootfs)
    }

    static let mountInfo = """
        27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
        60 27 0:50 / /srv/shared rw,relatime shared:7 - tmpfs tmpfs rw
        61 27 0:51 / /srv/slave rw,relatime master:7 - tmpfs tmpfs rw
        62 60 0:52 / /srv/shared/private\\040dir rw,relatime - tmpfs tmpfs rw

        """

    @Test(arguments: [
        (MountPropagation.hostToContainer, "/srv/shared/a", nil),
        (.bidirectional, "/srv/shared", nil),
        (.hostToContainer, "/srv/slave/x", nil),
        (.private, "/var/lib", nil),
        (.hostToContainer, "/var/lib", "path \"/var/lib\" is mounted on \"/\" but it is not a shared or slave mount"),
        (.bidirectional, "/srv/slave/x", "path \"/srv/slave/x\" is mounted on \"/srv/slave\" but it is not a shared mount"),
        (.hostToContainer, "/srv/shared/private dir/y",
         "path \"/srv/shared/private dir/y\" is mounted on \"/srv/shared/private dir\" but it is not a shared or slave mount"),
        (.hostToContainer, "/srv/sharedish", "path \"/srv/sharedish\" is mounted on \"/\" but it is not a shared or slave mount"),
    ] as [(MountPropagation, String, String?)])
    func theSourceMustBeSharedOrSlaveAsContainerdChecks(mode: MountPropagation, path: String, failure: String?) throws {
        if let failure {
            let error = #expect(throws: SwkError.self) { try Mounts.checkPropagation(mode, source: path, mountInfo: Self.mountInfo) }
            #expect(error?.message == failure)
        } else {
            try Mounts.checkPropagation(mode, source: path, mountInfo: Self.mountInfo)
        }
    }
}

/// A mount made on the host under a hostPath after the container started: visible through a
/// HostToContainer mount, not through a private one; a Bidirectional mount carries a mount made in
/// a privileged container back to the host.
@Suite(.serialized, .enabled(if: TestEnvironment.canRunContainers, TestEnvironment.skipReason))
struct PropagationTests {
    func cat(_ h: Harness, _ id: String, _ path: String) async throws -> String? {
        let r = try await h.runtime.execSync(id, ["cat", path], timeout: 10)
        return r.exitCode == 0 ? String(decoding: r.stdout, as: UTF8.self) : nil
    }

    @Test func hostMountsReachHostToContainerAndBidirectionalMountsReachTheHost() async throws {
        try await Harness.with { h in
            let host = "\(h.base)/host"
            try FS.makeDirectories("\(host)/late")
            try FS.makeDirectories("\(host)/back")
            // The source must be a shared mount, as kubelet expects of its volume directories.
            try #require(mount(host, host, nil, UInt(MS_BIND), nil) == 0, "bind \(host): \(errno)")
            defer {
                umount2("\(host)/back", Int32(MNT_DETACH))
                umount2("\(host)/late", Int32(MNT_DETACH))
                umount2(host, Int32(MNT_DETACH))
            }
            try #require(mount(nil, host, nil, UInt(MS_SHARED), nil) == 0, "make \(host) shared: \(errno)")
            let config = h.sandboxConfig()
            let sandbox = try await h.runtime.runPodSandbox(config)
            func start(_ name: String, _ propagation: MountPropagation, privileged: Bool = false, _ script: String) async throws -> String {
                var c = h.containerConfig(name: name, ["sh", "-c", script])
                var m = volumeMount("/data", "host", .hostPath(path: host, type: "Directory"))
                m.propagation = propagation
                c.mounts = [m]
                c.linux.securityContext.privileged = privileged
                let id = try await h.runtime.createContainer(sandbox, c, config)
                try await h.runtime.startContainer(id)
                return id
            }
            let follower = try await start("follower", .hostToContainer, "exec sleep 1000")
            let isolated = try await start("isolated", .private, "exec sleep 1000")
            let mounter = try await start("mounter", .bidirectional, privileged: true,
                                          "mount -t tmpfs back /data/back && echo from-container > /data/back/note; exec sleep 1000")

            try #require(mount("late", "\(host)/late", "tmpfs", 0, nil) == 0, "mount tmpfs: \(errno)")
            try FS.writeAtomic("\(host)/late/marker", "from-host")
            #expect(try await cat(h, follower, "/data/late/marker") == "from-host")
            #expect(try await cat(h, isolated, "/data/late/marker") == nil, "a private mount does not see later host mounts")
            let back = try await eventually { (try? FS.readString("\(host)/back/note")) == "from-container\n" }
            let said = (try? FS.readString(try await h.runtime.containerStatus(mounter).logPath)) ?? ""
            #expect(back, "the container's mount under a Bidirectional volume is visible on the host; its log: \(said)")
            for c in try await h.runtime.listContainers(nil) { try await h.runtime.removeContainer(c.id) }
        }
    }

    @Test func aPrivateSourceIsRefusedForHostToContainer() async throws {
        try await Harness.with { h in
            let host = "\(h.base)/plain"
            try FS.makeDirectories(host)
            let config = h.sandboxConfig()
            let sandbox = try await h.runtime.runPodSandbox(config)
            var c = h.containerConfig(["true"])
            var m = volumeMount("/data", "plain", .hostPath(path: host, type: "Directory"))
            m.propagation = .hostToContainer
            c.mounts = [m]
            guard let holder = Mounts.mountHolding(host, in: mountTable()), !holder.optional.contains(where: {
                $0.hasPrefix("shared:") || $0.hasPrefix("master:") }) else {
                print("skipping: \(host) is on a shared or slave mount here")
                return
            }
            let error = await #expect(throws: SwkError.self) { try await h.runtime.createContainer(sandbox, c, config) }
            #expect(error?.message.contains("path \"\(host)\" is mounted on \"\(holder.mountPoint)\" but it is not a shared or slave mount") == true,
                    "\(error?.message ?? "")")
            #expect(try await h.runtime.listContainers(nil).isEmpty)
        }
    }
}
