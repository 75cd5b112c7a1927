import Testing
@testable import KubeAPI

@Suite struct DefaultingTests {
    @Test func podDefaults() throws {
        let parsed = parse(podYAML())
        #expect(parsed.diagnostics.isEmpty)
        let pod = try #require(parsed.pods.first)
        #expect(pod.metadata.namespace == "default")
        #expect(pod.metadata.uid == Pod.derivedUID(namespace: "default", name: "web"))
        #expect(pod.spec.restartPolicy == .always)
        #expect(pod.spec.terminationGracePeriodSeconds == 30)
        #expect(pod.spec.dnsPolicy == .clusterFirst)
        #expect(pod.spec.hostNetwork == false)
        let c = try #require(pod.spec.containers.first)
        #expect(c.imagePullPolicy == .ifNotPresent)
        #expect(c.command.isEmpty && c.args.isEmpty && c.env.isEmpty)
        #expect(c.ports.isEmpty)
    }

    @Test(arguments: [
        ("busybox", PullPolicy.always), ("busybox:latest", .always), ("busybox:1.36", .ifNotPresent),
        ("registry.local:5000/busybox", .always), ("registry.local:5000/busybox:1", .ifNotPresent),
        ("busybox@sha256:0123", .ifNotPresent), ("registry.local:5000/team/app:latest", .always),
    ])
    func imagePullPolicyFollowsTheTag(image: String, expected: PullPolicy) throws {
        let pod = try #require(parse(podYAML().replacingImage(with: image)).pods.first)
        #expect(pod.spec.containers[0].imagePullPolicy == expected)
    }

    @Test func explicitPullPolicyWins() throws {
        let pod = try #require(parse(podYAML(containerExtra: "imagePullPolicy: Never")).pods.first)
        #expect(pod.spec.containers[0].imagePullPolicy == .never)
    }

    @Test func probeVolumeAndPortDefaults() throws {
        let pod = try #require(parse(podYAML(
            containerExtra: """
                ports:
                - containerPort: 80
                livenessProbe:
                  httpGet: {port: 80}
                volumeMounts:
                - {name: cfg, mountPath: /etc/cfg}
                """,
            specExtra: """
                volumes:
                - name: cfg
                  configMap: {name: settings}
                - name: scratch
                  emptyDir:
                """)).pods.first)
        let c = pod.spec.containers[0]
        #expect(c.ports[0].protocol == "TCP")
        let probe = try #require(c.livenessProbe)
        #expect(probe.periodSeconds == 10 && probe.timeoutSeconds == 1 && probe.failureThreshold == 3)
        #expect(probe.successThreshold == 1 && probe.initialDelaySeconds == 0)
        #expect(probe.handler.httpGet?.scheme == .http)
        #expect(probe.handler.httpGet?.port == .int(80))
        #expect(pod.spec.volumes[0].configMap?.defaultMode == 0o644)
        #expect(pod.spec.volumes[1].emptyDir == EmptyDirVolumeSource())
    }

    @Test func kubectlOutputFieldsAreAcceptedSilently() {
        let parsed = parse(podYAML(
            containerExtra: "terminationMessagePath: /dev/termination-log\nterminationMessagePolicy: File",
            metaExtra: "creationTimestamp: null\nuid: 1234\nresourceVersion: \"9\"") + "\nstatus:\n  phase: Running\n")
        #expect(parsed.diagnostics.isEmpty, "\(parsed.diagnostics)")
        #expect(parsed.pods.first?.metadata.uid == Pod.derivedUID(namespace: "default", name: "web"))
    }

    @Test func emptyStringsMeanUnset() throws {
        let pod = try #require(parse(podYAML(specExtra: "hostname: \"\"\nsubdomain: \"\"", metaExtra: "namespace: \"\"")).pods.first)
        #expect(pod.metadata.namespace == "default")
        #expect(pod.spec.hostname == nil && pod.spec.subdomain == nil)
    }

    @Test func octalModesAndYAML11Booleans() throws {
        let pod = try #require(parse(podYAML(
            containerExtra: "stdin: no\nvolumeMounts:\n- {name: s, mountPath: /s, readOnly: yes}",
            specExtra: "hostNetwork: false\nvolumes:\n- name: s\n  secret: {secretName: creds, defaultMode: 0400}")).pods.first)
        #expect(pod.spec.volumes[0].secret?.defaultMode == 0o400)
        #expect(pod.spec.containers[0].volumeMounts[0].readOnly)
    }
}

extension String {
    func replacingImage(with image: String) -> String {
        split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.contains("image: busybox:1.36") ? "    image: \(image)" : String($0) }.joined(separator: "\n")
    }
}
