import Testing
@testable import KubeAPI

/// The Pod Security Standards as PodSecurity admission words them (pod-security-admission's
/// check messages), and the level each example manifest states it meets.
@Suite struct PodSecurityTests {
    static func pod(_ yaml: String) throws -> Pod {
        let parsed = ManifestParser.parse(Array(yaml.utf8), file: "t.yaml")
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        return try #require(parsed.pods.first)
    }

    static func messages(_ pod: Pod, _ level: PodSecurityLevel) -> [String] {
        pod.podSecurityViolations(level).map { $0.message(enforcing: level) }
    }

    static let plain = """
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - {name: app, image: busybox}
        """

    @Test func privilegedAllowsEverything() throws {
        let pod = try Self.pod("""
            apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec:
              hostNetwork: true
              containers:
                - name: app
                  image: busybox
                  securityContext: {privileged: true}
            """)
        #expect(pod.podSecurityViolations(.privileged).isEmpty)
    }

    @Test func aPlainPodIsBaselineButNotRestricted() throws {
        let pod = try Self.pod(Self.plain)
        #expect(pod.podSecurityViolations(.baseline).isEmpty)
        #expect(Self.messages(pod, .restricted) == [
            #"violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)"#,
            #"violates PodSecurity "restricted:latest": unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"])"#,
            #"violates PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)"#,
            #"violates PodSecurity "restricted:latest": seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
        ])
    }

    @Test func baselineForbidsHostAccessAndPrivilege() throws {
        let pod = try Self.pod("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
              annotations:
                container.apparmor.security.beta.kubernetes.io/app: unconfined
            spec:
              hostPID: true
              hostIPC: true
              securityContext:
                seccompProfile: {type: Unconfined}
                sysctls:
                  - {name: kernel.msgmax, value: "65536"}
                  - {name: net.ipv4.ip_local_port_range, value: "1024 65000"}
              initContainers:
                - name: setup
                  image: busybox
                  securityContext:
                    capabilities: {add: [SYS_ADMIN, CHOWN]}
              containers:
                - name: app
                  image: busybox
                  ports: [{containerPort: 80, hostPort: 8080}, {containerPort: 81, hostPort: 8081}]
                  securityContext:
                    privileged: true
                    capabilities: {add: [NET_ADMIN]}
                    seccompProfile: {type: Unconfined}
                  volumeMounts: [{name: data, mountPath: /data}]
              volumes:
                - name: data
                  hostPath: {path: /srv}
            """)
        #expect(Self.messages(pod, .baseline) == [
            #"violates PodSecurity "baseline:latest": forbidden AppArmor profile (container.apparmor.security.beta.kubernetes.io/app="unconfined")"#,
            #"violates PodSecurity "baseline:latest": non-default capabilities (containers "setup", "app" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add)"#,
            #"violates PodSecurity "baseline:latest": host namespaces (hostPID=true, hostIPC=true)"#,
            #"violates PodSecurity "baseline:latest": hostPath volumes (volume "data")"#,
            #"violates PodSecurity "baseline:latest": hostPort (container "app" uses hostPorts 8080, 8081)"#,
            #"violates PodSecurity "baseline:latest": privileged (container "app" must not set securityContext.privileged=true)"#,
            #"violates PodSecurity "baseline:latest": seccompProfile (pod and container "app" must not set securityContext.seccompProfile.type to "Unconfined")"#,
            #"violates PodSecurity "baseline:latest": forbidden sysctls (kernel.msgmax)"#,
        ])
        // Each violation points at the field that causes it.
        #expect(pod.podSecurityViolations(.baseline).map(\.path.fieldPath) == [
            "metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]",
            "spec.initContainers[0].securityContext.capabilities.add",
            "spec.hostPID",
            "spec.volumes[0].hostPath",
            "spec.containers[0].ports[0].hostPort",
            "spec.containers[0].securityContext.privileged",
            "spec.securityContext.seccompProfile.type",
            "spec.securityContext.sysctls[0].name",
        ])
    }

    @Test func restrictedReplacesTheBaselineChecksOfTheSameSubject() throws {
        let pod = try Self.pod("""
            apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec:
              securityContext:
                runAsUser: 0
                runAsNonRoot: false
              containers:
                - name: app
                  image: busybox
                  securityContext:
                    allowPrivilegeEscalation: true
                    runAsUser: 0
                    capabilities: {drop: [ALL], add: [SYS_TIME, NET_BIND_SERVICE]}
                    seccompProfile: {type: Unconfined}
                  volumeMounts: [{name: a, mountPath: /a}, {name: b, mountPath: /b}]
              volumes:
                - {name: a, hostPath: {path: /srv/a}}
                - {name: b, hostPath: {path: /srv/b}}
            """)
        #expect(Self.messages(pod, .restricted) == [
            #"violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)"#,
            #"violates PodSecurity "restricted:latest": unrestricted capabilities (container "app" must not include "SYS_TIME" in securityContext.capabilities.add)"#,
            #"violates PodSecurity "restricted:latest": restricted volume types (volumes "a", "b" use restricted volume types "hostPath")"#,
            #"violates PodSecurity "restricted:latest": runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false; pod or container "app" must set securityContext.runAsNonRoot=true)"#,
            #"violates PodSecurity "restricted:latest": runAsUser=0 (pod and container "app" must not set runAsUser=0)"#,
            #"violates PodSecurity "restricted:latest": seccompProfile (container "app" must not set securityContext.seccompProfile.type to "Unconfined")"#,
        ])
    }

    @Test func aHardenedPodIsRestricted() throws {
        let pod = try Self.pod("""
            apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec:
              securityContext:
                runAsNonRoot: true
                runAsUser: 1000
                seccompProfile: {type: RuntimeDefault}
              containers:
                - name: app
                  image: busybox
                  securityContext:
                    allowPrivilegeEscalation: false
                    capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
                  volumeMounts: [{name: scratch, mountPath: /tmp}]
              volumes:
                - {name: scratch, emptyDir: {}}
            """)
        #expect(pod.podSecurityViolations(.restricted).isEmpty)
    }

    /// The parser rejects a violating pod at its field, beside the pods that pass.
    @Test func theParserReportsViolationsAsErrorsAtTheirField() {
        let text = Self.plain + """

            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: root}
            spec:
              hostNetwork: true
              containers:
                - {name: app, image: busybox}
            """
        let parsed = ManifestParser.parse(Array(text.utf8), file: "pods.yaml", podSecurity: .baseline)
        #expect(parsed.pods.map(\.metadata.name) == ["p"])
        #expect(parsed.errors.map(\.description) == [
            #"pods.yaml:12:16: spec.hostNetwork: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)"#,
        ])
    }

    /// Every example says in a `# pod-security: LEVEL` line the strictest level it meets.
    @Test(arguments: FixtureTests.examples)
    func examplesStateTheStrictestLevelTheyMeet(name: String) throws {
        let bytes = try #require(readBytes(manifestsDirectory + "/examples/" + name))
        let met = PodSecurityLevel.allCases.filter { ManifestParser.parse(bytes, file: name, podSecurity: $0).errors.isEmpty }
        #expect(statedPodSecurity(String(decoding: bytes, as: UTF8.self)) == met.last,
                "\(name) should state '# pod-security: \(met.last?.rawValue ?? "none")'")
    }
}

/// The level a manifest states in a `# pod-security: LEVEL` comment line.
func statedPodSecurity(_ text: String) -> PodSecurityLevel? {
    let marker = "# pod-security: "
    for line in text.split(separator: "\n") where line.hasPrefix(marker) {
        return PodSecurityLevel(rawValue: String(line.dropFirst(marker.count).prefix { $0 != " " }))
    }
    return nil
}
