import CRI
import KubeAPI
import SwkSupport

/// Turns a Pod into the CRI requests that create it, as kubelet's kuberuntime does: labels and
/// annotations that let a relist map runtime objects back to pods, log paths, resources.
public struct RuntimeConfigBuilder: Sendable {
    /// Root of the pod log tree (`/var/log/pods`).
    public var podLogDir: String
    public var environment: EnvironmentBuilder
    /// kubelet's `seccompDefault`: containers without a seccompProfile get RuntimeDefault.
    public var seccompDefault = false
    /// kubelet's `resolvConf`: the node's resolv.conf, base of the Default policy ("": none).
    public var resolvConf = "/etc/resolv.conf"
    /// kubelet's `clusterDNS` and `clusterDomain`, for the ClusterFirst policies.
    public var clusterDNS: [String] = []
    public var clusterDomain = "cluster.local"
    /// kubelet's sysctl admission: the safe set plus the node's `allowed-unsafe-sysctls`.
    public var sysctls = SysctlAllowlist.safeOnly

    public init(podLogDir: String, node: EnvironmentBuilder.NodeFacts) {
        self.podLogDir = podLogDir
        environment = EnvironmentBuilder(node: node)
    }

    public func sandboxConfig(for pod: Pod, attempt: UInt32 = 0) -> PodSandboxConfig {
        let meta = pod.metadata
        var config = PodSandboxConfig(metadata: PodSandboxMetadata(
            name: meta.name, uid: meta.uid, namespace: meta.namespace, attempt: attempt))
        config.hostname = pod.spec.hostname ?? String(meta.name.prefix(63))
        let host = resolvConf.isEmpty ? DNSConfig() : PodDNS.parseResolvConf((try? FS.readString(resolvConf)) ?? "")
        config.dnsConfig = PodDNS(host: host, clusterDNS: clusterDNS, clusterDomain: clusterDomain).config(for: pod)
        config.logDirectory = "\(podLogDir)/\(meta.namespace)_\(meta.name)_\(meta.uid)"
        config.labels = meta.labels.merging(podLabels(pod)) { _, ours in ours }
        config.annotations = meta.annotations
        config.annotations[SwkubeAnnotations.sandboxHash] = SandboxHash.of(pod)
        config.linux.cgroupParent = "/swkube/\(meta.uid)"
        config.linux.resources = PodResources.linux(for: pod)
        config.linux.namespaceOptions.network = pod.spec.hostNetwork ? .node : .pod
        config.linux.namespaceOptions.ipc = pod.spec.hostIPC ? .node : .pod
        config.linux.namespaceOptions.pid = pod.spec.hostPID ? .node : .container
        for sysctl in pod.spec.securityContext?.sysctls ?? [] { config.linux.sysctls[sysctl.name] = sysctl.value }
        for container in pod.spec.containers {
            for port in container.ports {
                guard let hostPort = port.hostPort, hostPort > 0 else { continue }
                var mapping = PortMapping(containerPort: port.containerPort, hostPort: hostPort)
                mapping.protocol = port.protocol
                config.portMappings.append(mapping)
            }
        }
        return config
    }

    /// Throws kubelet's CreateContainerConfigError cases: a variable that cannot be resolved, or a
    /// volume that cannot be provided from the manifest directory (a missing ConfigMap, Secret or
    /// key that is not optional), or runAsNonRoot with a user that is (or may be) root; `image` is
    /// the image's status, whose user that check needs.
    public func containerConfig(for container: KubeAPI.Container, in pod: Pod, restartCount: Int32,
                                podIP: String = "", objects: PodConfigObjects = .init(),
                                image: CRI.Image? = nil) throws(SwkError) -> ContainerConfig {
        var config = ContainerConfig(metadata: ContainerMetadata(name: container.name, attempt: UInt32(max(0, restartCount))),
                                     image: ImageSpec(image: container.image))
        config.envs = try environment.environment(for: container, in: pod, podIP: podIP, objects: objects)
        let variables = Dictionary(config.envs.map { ($0.key, $0.value) }) { _, last in last }
        config.command = container.command.map { expand($0, variables) }
        config.args = container.args.map { expand($0, variables) }
        config.workingDir = container.workingDir ?? ""
        config.labels = podLabels(pod)
        config.labels[KubeLabels.containerName] = container.name
        config.annotations[KubeLabels.containerHash] = container.specHash
        config.annotations[KubeLabels.restartCount] = String(restartCount)
        config.annotations[SwkubeAnnotations.terminationGracePeriod] = String(pod.spec.terminationGracePeriodSeconds)
        config.annotations[SwkubeAnnotations.preStopHandler] = PreStopHook.annotation(for: container)
        config.logPath = "\(container.name)/\(restartCount).log"
        config.mounts = try VolumeMounts.mounts(for: container, in: pod, objects: objects)
        if let memory = container.resources.memoryLimitBytes {
            config.linux.resources.memoryLimitInBytes = memory
        }
        if let millis = container.resources.cpuLimitMillis {
            // CFS quota over the default 100 ms period, as kubelet computes it.
            config.linux.resources.cpuPeriod = 100_000
            config.linux.resources.cpuQuota = max(1000, millis * 100)
        }
        if let request = container.resources.requests["cpu"]?.milliValue {
            config.linux.resources.cpuShares = max(2, request * 1024 / 1000)
        }
        config.linux.securityContext = try SecurityConfig.linuxSecurity(for: container, in: pod, image: image,
                                                                        seccompDefault: seccompDefault)
        return config
    }

    private func podLabels(_ pod: Pod) -> [String: String] {
        [KubeLabels.podName: pod.metadata.name,
         KubeLabels.podNamespace: pod.metadata.namespace,
         KubeLabels.podUID: pod.metadata.uid]
    }
}

/// Annotations of swkube's own on runtime objects.
public enum SwkubeAnnotations {
    /// On a sandbox: the hash of the pod-level fields it was built from; a change recreates it.
    public static let sandboxHash = "io.swkube.sandbox.hash"
    /// On a container: the pod's grace period, for stops that outlive the manifest.
    public static let terminationGracePeriod = "io.kubernetes.pod.terminationGracePeriod"
    /// On a container: its preStop handler as JSON (kubelet's annotation), run before a stop.
    public static let preStopHandler = "io.kubernetes.container.preStopHandler"
}

/// A stable hash of the pod-level fields whose change needs a new sandbox: namespaces, hostname,
/// DNS, volumes, security context, and the host ports (which live on containers). Fields that
/// only steer restarts and stops (restartPolicy, grace period, deadline) are left out, so editing
/// them does not restart anything.
public enum SandboxHash {
    public static func of(_ pod: Pod) -> String {
        var podLevel = pod
        podLevel.spec.restartPolicy = .always
        podLevel.spec.terminationGracePeriodSeconds = 30
        podLevel.spec.activeDeadlineSeconds = nil
        var ports = ""
        for container in pod.spec.containers {
            for port in container.ports where (port.hostPort ?? 0) > 0 {
                ports += "\(port.containerPort)/\(port.hostPort ?? 0)/\(port.protocol);"
            }
        }
        return fnv1a(podLevel.sandboxHash + ports)
    }

    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}


/// The ConfigMaps and Secrets of a pod's namespace, by name, that its volumes and env reference.
public struct PodConfigObjects: Sendable, Equatable {
    public var configMaps: [String: ConfigMap] = [:]
    public var secrets: [String: Secret] = [:]
    public init(configMaps: [String: ConfigMap] = [:], secrets: [String: Secret] = [:]) {
        self.configMaps = configMaps; self.secrets = secrets
    }
}

/// Pod volumes + a container's volumeMounts → CRI mounts whose `volume` the runtime provisions
/// (pure: no file is touched here). ConfigMap and Secret projections follow kubelet's payload
/// rules: every key (or the listed `items`), `defaultMode` unless an item sets `mode`; both are
/// mounted read-only, as kubelet does.
public enum VolumeMounts {
    public static func mounts(for container: KubeAPI.Container, in pod: Pod, objects: PodConfigObjects) throws(SwkError) -> [CRI.Mount] {
        var result: [CRI.Mount] = []
        for vm in container.volumeMounts {
            guard let volume = pod.spec.volumes.first(where: { $0.name == vm.name }) else {
                throw SwkError(.invalidArgument, "volumeMount \(vm.name) of container \(container.name): the pod has no volume of that name")
            }
            var mount = CRI.Mount(containerPath: vm.mountPath, hostPath: "", readonly: vm.readOnly)
            mount.subPath = vm.subPath ?? ""
            switch vm.mountPropagation {
            case "HostToContainer": mount.propagation = .hostToContainer
            case "Bidirectional": mount.propagation = .bidirectional
            default: mount.propagation = .private
            }
            let source: PodVolumeSource
            do { source = try Self.source(of: volume, namespace: pod.metadata.namespace, objects: objects) } catch {
                throw error.context("volume \(volume.name)")
            }
            switch source {
            case .hostPath(let path, _): mount.hostPath = path
            case .files: mount.readonly = true
            case .emptyDir: break
            }
            mount.volume = PodVolume(name: volume.name, source: source)
            result.append(mount)
        }
        return result
    }

    static func source(of v: Volume, namespace: String, objects: PodConfigObjects) throws(SwkError) -> PodVolumeSource {
        if let hostPath = v.hostPath {
            return .hostPath(path: hostPath.path, type: hostPath.type ?? "")
        }
        if let emptyDir = v.emptyDir {
            return .emptyDir(memory: emptyDir.medium == "Memory", sizeLimitBytes: emptyDir.sizeLimit?.value ?? 0)
        }
        if let ref = v.configMap {
            guard let cm = objects.configMaps[ref.name] else {
                if ref.optional == true { return .files([], memory: false) }
                throw SwkError(.notFound, "configmap \"\(ref.name)\" not found in namespace \(namespace)")
            }
            var data = cm.binaryData
            for (key, value) in cm.data { data[key] = Array(value.utf8) }
            return .files(try project(data, items: ref.items, defaultMode: ref.defaultMode, optional: ref.optional == true,
                                      what: "configmap \"\(ref.name)\""), memory: false)
        }
        if let ref = v.secret {
            guard let secret = objects.secrets[ref.secretName] else {
                if ref.optional == true { return .files([], memory: true) }
                throw SwkError(.notFound, "secret \"\(ref.secretName)\" not found in namespace \(namespace)")
            }
            return .files(try project(secret.data, items: ref.items, defaultMode: ref.defaultMode, optional: ref.optional == true,
                                      what: "secret \"\(ref.secretName)\""), memory: true)
        }
        throw SwkError(.invalidArgument, "no volume source")
    }

    /// kubelet's MakePayload: all keys as files named after them, or only `items` at their paths.
    static func project(_ data: [String: [UInt8]], items: [KeyToPath], defaultMode: Int32, optional: Bool,
                        what: String) throws(SwkError) -> [VolumeFile] {
        let mode = UInt32(truncatingIfNeeded: defaultMode) & 0o777
        if items.isEmpty {
            return data.keys.sorted().compactMap { key in data[key].map { VolumeFile(path: key, content: $0, mode: mode) } }
        }
        var files: [VolumeFile] = []
        for item in items {
            guard let content = data[item.key] else {
                if optional { continue }
                throw SwkError(.notFound, "\(what) has no key \"\(item.key)\"")
            }
            files.append(VolumeFile(path: item.path, content: content,
                                    mode: item.mode.map { UInt32(truncatingIfNeeded: $0) & 0o777 } ?? mode))
        }
        return files
    }
}
