import CSwkSys
import Glibc
import OCI
import SwkSupport

/// config.json reduced to a `Launch` for the container init, with every field checked before
/// anything exists on the host (so a broken config leaves nothing behind).
struct Plan {
    var launch: Launch
    var rootfs: String
    var cgroup: Cgroups.Container

    /// `stateRoot`: the runtime's --root, which holds the compiled seccomp filters.
    static func make(spec: Spec, id: String, bundle: String, host: Cgroups.Host, stateRoot: String) throws(SwkError) -> Plan {
        guard let process = spec.process, let root = spec.root else {
            throw SwkError(.invalidArgument, "config.json: process and root are required")
        }
        let rootfs = root.path.hasPrefix("/") ? root.path : "\(bundle)/\(root.path)"
        guard FS.isDirectory(rootfs) else {
            throw SwkError(.notFound, "config.json: root.path: \(rootfs) is not a directory")
        }
        let linux = spec.linux ?? Linux()
        let ns = try Namespaces.plan(linux.namespaces ?? [])
        // A mount namespace joined by path gets the rootfs set up inside it (runtime-tools'
        // linux_ns_path). None at all means the runtime's own (the spec's inheritance, runc and
        // crun): mounts are made there, the init chroots, and delete detaches them again.
        if ns.creates("user") {
            guard !(linux.uidMappings ?? []).isEmpty, !(linux.gidMappings ?? []).isEmpty else {
                throw SwkError(.invalidArgument, "config.json: linux.uidMappings/gidMappings: required with a new user namespace")
            }
        }
        let cgroup = Cgroups.Container(host: host, path: try Cgroups.path(linux.cgroupsPath, id: id))
        var launch = Launch(process: try ProcessPlan(process))
        launch.process.env = Users.withHome(launch.process.env, uid: launch.process.uid, rootfs: rootfs)
        // The cgroup namespace is created after the child is placed in its cgroup.
        launch.cloneFlags = ns.newFlags & ~Int32(SWK_CLONE_NEWCGROUP)
        launch.unshareCgroup = ns.creates("cgroup")
        launch.joins = ns.joins

        if let name = spec.hostname, !name.isEmpty {
            guard ns.joinsOrCreates("uts") else {
                throw SwkError(.invalidArgument, "config.json: hostname: needs a uts namespace")
            }
            launch.hostname = name
        }
        if let name = spec.domainname, !name.isEmpty {
            guard ns.joinsOrCreates("uts") else {
                throw SwkError(.invalidArgument, "config.json: domainname: needs a uts namespace")
            }
            launch.domainname = name
        }

        var mounts = try Mounts.plan(spec: spec, bundle: bundle, rootfs: rootfs, cgroup: cgroup)
        let devices = try Mounts.devices(spec: spec, rootfs: rootfs)
        var nodes = devices.nodes
        if ns.creates("user") {
            // mknod is refused in a user namespace: bind the host's device nodes instead.
            for node in nodes {
                mounts.append(Mounts.Planned(source: node.containerPath, target: node.path, flags: Mounts.bind, isFile: true))
            }
            nodes = []
        }
        var rootfsPlan = RootfsPlan(
            rootfs: rootfs, readonly: root.readonly ?? false, mounts: mounts, devices: nodes, symlinks: devices.links,
            masked: linux.maskedPaths ?? [], readonlyPaths: linux.readonlyPaths ?? [],
            sysctl: (linux.sysctl ?? [:]).sorted { $0.key < $1.key }.map {
                (path: "/proc/sys/" + String($0.key.map { $0 == "." ? "/" : $0 }), value: $0.value)
            })
        if let prop = linux.rootfsPropagation, !prop.isEmpty {
            guard let flags = Mounts.propagationNames[prop] else {
                throw SwkError(.invalidArgument, "config.json: linux.rootfsPropagation: unknown propagation \"\(prop)\"")
            }
            rootfsPlan.rootfsPropagation = flags
            if flags & Mounts.shared != 0 { rootfsPlan.rootPropagation = Mounts.shared | Mounts.rec }
        }
        for (i, path) in (rootfsPlan.masked + rootfsPlan.readonlyPaths).enumerated() where !path.hasPrefix("/") {
            throw SwkError(.invalidArgument, "config.json: linux.maskedPaths/readonlyPaths[\(i)]: \(path) is not absolute")
        }
        rootfsPlan.chrootOnly = !ns.joinsOrCreates("mount")
        launch.rootfs = rootfsPlan
        launch.createContainerHooks = spec.hooks?.createContainer ?? []
        launch.startContainerHooks = spec.hooks?.startContainer ?? []
        if let seccomp = linux.seccomp { launch.seccomp = try SeccompCache.program(seccomp, root: stateRoot) }
        if let p = linux.personality {
            switch p.domain {
            case "LINUX": launch.personality = 0
            case "LINUX32": launch.personality = 8
            default: throw SwkError(.invalidArgument, "config.json: linux.personality.domain: unknown domain \"\(p.domain)\"")
            }
        }
        return Plan(launch: launch, rootfs: rootfs, cgroup: cgroup)
    }
}
