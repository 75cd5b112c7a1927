import CRI
import KubeAPI
import SwkSupport

/// Turns a Pod into the CRI requests that create it, as kubelet's kuberuntime does: labels and
/// annotations that let a relist map runtime objects back to pods, log paths, resources.
public struct RuntimeConfigBuilder: Sendable {
    /// Root of the pod log tree (`/var/log/pods`).
    public var podLogDir: String
    public var environment: EnvironmentBuilder

    public init(podLogDir: String, node: EnvironmentBuilder.NodeFacts) {
        self.podLogDir = podLogDir
        environment = EnvironmentBuilder(node: node)
    }

    public func sandboxConfig(for pod: Pod, attempt: UInt32 = 0) -> PodSandboxConfig {
        let meta = pod.metadata
        var config = PodSandboxConfig(metadata: PodSandboxMetadata(
            name: meta.name, uid: meta.uid, namespace: meta.namespace, attempt: attempt))
        config.hostname = pod.spec.hostname ?? String(meta.name.prefix(63))
        config.logDirectory = "\(podLogDir)/\(meta.namespace)_\(meta.name)_\(meta.uid)"
        config.labels = meta.labels.merging(podLabels(pod)) { _, ours in ours }
        config.annotations = meta.annotations
        config.annotations[SwkubeAnnotations.sandboxHash] = SandboxHash.of(pod)
        config.linux.cgroupParent = "/swkube/\(meta.uid)"
        config.linux.namespaceOptions.network = pod.spec.hostNetwork ? .node : .pod
        config.linux.namespaceOptions.ipc = pod.spec.hostIPC ? .node : .pod
        config.linux.namespaceOptions.pid = pod.spec.hostPID ? .node : .container
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

    public func containerConfig(for container: KubeAPI.Container, in pod: Pod, restartCount: Int32,
                                podIP: String = "") throws(SwkError) -> ContainerConfig {
        var config = ContainerConfig(metadata: ContainerMetadata(name: container.name, attempt: UInt32(max(0, restartCount))),
                                     image: ImageSpec(image: container.image))
        config.envs = try environment.environment(for: container, in: pod, podIP: podIP)
        let variables = Dictionary(config.envs.map { ($0.key, $0.value) }) { _, last in last }
        config.command = container.command.map { expand($0, variables) }
        config.args = container.args.map { expand($0, variables) }
        config.workingDir = container.workingDir ?? ""
        config.labels = podLabels(pod)
        config.labels[KubeLabels.containerName] = container.name
        config.annotations[KubeLabels.containerHash] = container.specHash
        config.annotations[KubeLabels.restartCount] = String(restartCount)
        config.annotations[SwkubeAnnotations.terminationGracePeriod] = String(pod.spec.terminationGracePeriodSeconds)
        config.logPath = "\(container.name)/\(restartCount).log"
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
