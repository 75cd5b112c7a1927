import CRI
import KubeAPI
import SwkSupport

/// Pod- and container-level securityContext → CRI's LinuxContainerSecurityContext, merged as
/// kubelet's determineEffectiveSecurityContext does: the container's field wins over the pod's;
/// supplementalGroups and fsGroup come from the pod only.
public enum SecurityConfig {
    /// `seccompDefault` is kubelet's node option: an unset profile means RuntimeDefault, not Unconfined.
    public static func linuxSecurity(for container: KubeAPI.Container, in pod: Pod, image: CRI.Image?,
                                     seccompDefault: Bool = false) throws(SwkError) -> LinuxContainerSecurityContext {
        let podSC = pod.spec.securityContext ?? PodSecurityContext()
        let sc = container.securityContext ?? SecurityContext()
        var out = LinuxContainerSecurityContext()
        out.runAsUser = sc.runAsUser ?? podSC.runAsUser
        out.runAsGroup = sc.runAsGroup ?? podSC.runAsGroup
        out.privileged = sc.privileged ?? false
        out.readonlyRootfs = sc.readOnlyRootFilesystem ?? false
        // no_new_privs exactly when allowPrivilegeEscalation is false (Kubernetes defaults it to
        // true), and never for a privileged container, as kubelet's AddNoNewPrivileges.
        out.noNewPrivs = !out.privileged && sc.allowPrivilegeEscalation == false
        if let caps = sc.capabilities, !(caps.add.isEmpty && caps.drop.isEmpty) {
            out.capabilities = Capability(addCapabilities: caps.add, dropCapabilities: caps.drop)
        }
        var groups = podSC.supplementalGroups
        if let fsGroup = podSC.fsGroup, !groups.contains(fsGroup) { groups.append(fsGroup) }
        out.supplementalGroups = groups
        switch (sc.seccompProfile ?? podSC.seccompProfile)?.type {
        case .runtimeDefault: out.seccomp = SecurityProfile(profileType: .runtimeDefault)
        case .unconfined: out.seccomp = SecurityProfile(profileType: .unconfined)
        case .localhost:
            let ref = (sc.seccompProfile ?? podSC.seccompProfile)?.localhostProfile ?? ""
            out.seccomp = SecurityProfile(profileType: .localhost, localhostRef: ref)
        case nil: out.seccomp = seccompDefault ? SecurityProfile(profileType: .runtimeDefault) : nil
        }
        if (sc.runAsNonRoot ?? podSC.runAsNonRoot) == true {
            try verifyRunAsNonRoot(uid: out.runAsUser, image: image, container: container.name, pod: pod)
        }
        return out
    }

    /// kubelet's verifyRunAsNonRoot, with its messages: an explicit uid 0, an image whose user is
    /// root (or unset), or an image user given by name that cannot be checked are refused.
    static func verifyRunAsNonRoot(uid: Int64?, image: CRI.Image?, container: String, pod: Pod) throws(SwkError) {
        let which = "(pod: \"\(pod.metadata.namespace)/\(pod.metadata.name)\", container: \(container))"
        if let uid {
            if uid == 0 { throw SwkError(.failedPrecondition, "container's runAsUser breaks non-root policy \(which)") }
            return
        }
        guard let image else { return }
        if image.uid == 0 {
            throw SwkError(.failedPrecondition, "container has runAsNonRoot and image will run as root \(which)")
        }
        if image.uid == nil, !image.username.isEmpty {
            throw SwkError(.failedPrecondition,
                           "container has runAsNonRoot and image has non-numeric user (\(image.username)), cannot verify user is non-root \(which)")
        }
    }
}
