import Testing
@testable import KubeAPI

private func errors(_ text: String) -> [String] {
    parse(text).errors.map { "\($0.field): \($0.message)" }
}

/// One rule per row: a manifest fragment and the exact error it must produce.
struct Rule: CustomTestStringConvertible, Sendable {
    var name: String
    var container = ""
    var spec = ""
    var meta = ""
    var podName = "web"
    var containerName = "app"
    var image = "busybox:1.36"
    var expected: String
    var testDescription: String { name }
}

@Suite struct ValidationTests {
    static let rules: [Rule] = [
        Rule(name: "pod name must be a DNS-1123 subdomain", podName: "Web_1",
             expected: "metadata.name: invalid value \"Web_1\": \(NameRules.dns1123SubdomainMessage)"),
        Rule(name: "pod name is required", podName: "\"\"", expected: "metadata.name: required value"),
        Rule(name: "namespace must be a DNS-1123 label", meta: "namespace: a.b",
             expected: "metadata.namespace: invalid value \"a.b\": \(NameRules.dns1123LabelMessage)"),
        Rule(name: "label values are checked", meta: "labels: {app: -x}",
             expected: "metadata.labels[app]: invalid value \"-x\": \(NameRules.labelValueMessage)"),
        Rule(name: "label keys are qualified names", meta: "labels: {\"a/b/c\": x}",
             expected: "metadata.labels[a/b/c]: invalid label key \"a/b/c\": \(NameRules.qualifiedNameMessage)"),
        Rule(name: "annotation keys are qualified names", meta: "annotations: {\"bad key\": x}",
             expected: "metadata.annotations[bad key]: invalid annotation key \"bad key\": \(NameRules.qualifiedNameMessage)"),
        Rule(name: "restartPolicy enum", spec: "restartPolicy: Sometimes",
             expected: "spec.restartPolicy: invalid value \"Sometimes\": must be one of Always, OnFailure, Never"),
        Rule(name: "dnsPolicy enum", spec: "dnsPolicy: Cluster",
             expected: "spec.dnsPolicy: invalid value \"Cluster\": must be one of ClusterFirstWithHostNet, ClusterFirst, Default, None"),
        Rule(name: "dnsPolicy None needs nameservers", spec: "dnsPolicy: None",
             expected: "spec.dnsConfig.nameservers: required value: must provide at least one DNS nameserver when dnsPolicy is None"),
        Rule(name: "nameservers are IPs", spec: "dnsConfig: {nameservers: [dns.local]}",
             expected: "spec.dnsConfig.nameservers[0]: invalid value \"dns.local\": must be a valid IP address"),
        Rule(name: "grace period non-negative", spec: "terminationGracePeriodSeconds: -1",
             expected: "spec.terminationGracePeriodSeconds: invalid value -1: must be greater than or equal to 0"),
        Rule(name: "active deadline positive", spec: "activeDeadlineSeconds: 0",
             expected: "spec.activeDeadlineSeconds: invalid value 0: must be between 1 and 2147483647, inclusive"),
        Rule(name: "hostname is a label", spec: "hostname: my.host",
             expected: "spec.hostname: invalid value \"my.host\": \(NameRules.dns1123LabelMessage)"),
        Rule(name: "unsupported pod field", spec: "shareProcessNamespace: true",
             expected: "spec.shareProcessNamespace: field is not supported by swkube"),
        Rule(name: "ephemeral containers unsupported", spec: "ephemeralContainers: []",
             expected: "spec.ephemeralContainers: field is not supported by swkube"),
        Rule(name: "container name is a label", containerName: "App",
             expected: "spec.containers[0].name: invalid value \"App\": \(NameRules.dns1123LabelMessage)"),
        Rule(name: "image is required", image: "\"\"", expected: "spec.containers[0].image: required value"),
        Rule(name: "imagePullPolicy enum", container: "imagePullPolicy: Sometimes",
             expected: "spec.containers[0].imagePullPolicy: invalid value \"Sometimes\": must be one of Always, IfNotPresent, Never"),
        Rule(name: "port range", container: "ports: [{containerPort: 0}]",
             expected: "spec.containers[0].ports[0].containerPort: invalid value 0: must be between 1 and 65535, inclusive"),
        Rule(name: "host port range", container: "ports: [{containerPort: 80, hostPort: 65536}]",
             expected: "spec.containers[0].ports[0].hostPort: invalid value 65536: must be between 1 and 65535, inclusive"),
        Rule(name: "protocol enum", container: "ports: [{containerPort: 80, protocol: tcp}]",
             expected: "spec.containers[0].ports[0].protocol: invalid value \"tcp\": must be one of TCP, UDP, SCTP"),
        Rule(name: "port names", container: "ports: [{containerPort: 80, name: HTTP}]",
             expected: "spec.containers[0].ports[0].name: invalid value \"HTTP\": \(NameRules.portNameMessage)"),
        Rule(name: "duplicate port names", container: "ports: [{containerPort: 80, name: web}, {containerPort: 81, name: web}]",
             expected: "spec.containers[0].ports[1].name: duplicate value \"web\""),
        Rule(name: "hostNetwork ports must match", container: "ports: [{containerPort: 80, hostPort: 8080}]", spec: "hostNetwork: true",
             expected: "spec.containers[0].ports[0].hostPort: invalid value 8080: must match containerPort when hostNetwork is true"),
        Rule(name: "env names", container: "env: [{name: \"A=B\", value: x}]",
             expected: "spec.containers[0].env[0].name: invalid value \"A=B\": \(NameRules.envVarNameMessage)"),
        Rule(name: "env name required", container: "env: [{value: x}]", expected: "spec.containers[0].env[0].name: required value"),
        Rule(name: "valueFrom needs a source", container: "env: [{name: A, valueFrom: {}}]",
             expected: "spec.containers[0].env[0].valueFrom: must specify one of: fieldRef, resourceFieldRef, configMapKeyRef or secretKeyRef"),
        Rule(name: "fieldRef paths", container: "env: [{name: A, valueFrom: {fieldRef: {fieldPath: spec.foo}}}]",
             expected: "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: invalid value \"spec.foo\": must be one of metadata.labels['<key>'], metadata.annotations['<key>'], "
                + Container.fieldRefPaths.joined(separator: ", ")),
        Rule(name: "fieldRef label keys", container: "env: [{name: A, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['a b']\"}}}]",
             expected: "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: invalid value \"metadata.labels['a b']\": key \"a b\" \(NameRules.qualifiedNameMessage)"),
        Rule(name: "configMapKeyRef key", container: "env: [{name: A, valueFrom: {configMapKeyRef: {name: cfg, key: \"a b\"}}}]",
             expected: "spec.containers[0].env[0].valueFrom.configMapKeyRef.key: invalid value \"a b\": \(NameRules.configKeyMessage)"),
        Rule(name: "envFrom needs a source", container: "envFrom: [{prefix: X_}]",
             expected: "spec.containers[0].envFrom[0]: must specify one of: configMapRef or secretRef"),
        Rule(name: "quantity syntax", container: "resources: {limits: {cpu: 1 core}}",
             expected: "spec.containers[0].resources.limits[cpu]: invalid value \"1 core\": must be a quantity such as 500m, 0.5, 128Mi or 1G"),
        Rule(name: "resource names", container: "resources: {limits: {gpu: 1}}",
             expected: "spec.containers[0].resources.limits[gpu]: invalid value \"gpu\": must be one of cpu, memory, ephemeral-storage"),
        Rule(name: "negative quantities", container: "resources: {requests: {memory: -1Mi}}",
             expected: "spec.containers[0].resources.requests[memory]: invalid value \"-1Mi\": must be greater than or equal to 0"),
        Rule(name: "request above limit", container: "resources: {requests: {cpu: 2}, limits: {cpu: 500m}}",
             expected: "spec.containers[0].resources.requests[cpu]: invalid value \"2\": must be less than or equal to cpu limit of 500m"),
        Rule(name: "mount names a declared volume", container: "volumeMounts: [{name: data, mountPath: /data}]",
             expected: "spec.containers[0].volumeMounts[0].name: not found: no volume named \"data\" in spec.volumes"),
        Rule(name: "mountPath absolute", container: "volumeMounts: [{name: v, mountPath: data}]", spec: "volumes: [{name: v, emptyDir: {}}]",
             expected: "spec.containers[0].volumeMounts[0].mountPath: invalid value \"data\": must be an absolute path"),
        Rule(name: "mountPath unique", container: "volumeMounts: [{name: v, mountPath: /d}, {name: v, mountPath: /d}]",
             spec: "volumes: [{name: v, emptyDir: {}}]",
             expected: "spec.containers[0].volumeMounts[1].mountPath: invalid value \"/d\": must be unique"),
        Rule(name: "subPath stays inside", container: "volumeMounts: [{name: v, mountPath: /d, subPath: ../etc}]",
             spec: "volumes: [{name: v, emptyDir: {}}]",
             expected: "spec.containers[0].volumeMounts[0].subPath: invalid value \"../etc\": must be a relative path without '..'"),
        Rule(name: "volume names unique", spec: "volumes: [{name: v, emptyDir: {}}, {name: v, emptyDir: {}}]",
             expected: "spec.volumes[1].name: duplicate value \"v\""),
        Rule(name: "volume needs a type", spec: "volumes: [{name: v}]",
             expected: "spec.volumes[0]: must specify a volume type (hostPath, emptyDir, configMap or secret)"),
        Rule(name: "one volume type", spec: "volumes: [{name: v, emptyDir: {}, hostPath: {path: /x}}]",
             expected: "spec.volumes[0].emptyDir: may not specify more than 1 volume type"),
        Rule(name: "unsupported volume type", spec: "volumes: [{name: v, persistentVolumeClaim: {claimName: c}}]",
             expected: "spec.volumes[0].persistentVolumeClaim: field is not supported by swkube"),
        Rule(name: "hostPath absolute", spec: "volumes: [{name: v, hostPath: {path: tmp}}]",
             expected: "spec.volumes[0].hostPath.path: invalid value \"tmp\": must be an absolute path without '..'"),
        Rule(name: "hostPath type enum", spec: "volumes: [{name: v, hostPath: {path: /tmp, type: Dir}}]",
             expected: "spec.volumes[0].hostPath.type: invalid value \"Dir\": must be one of , DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice"),
        Rule(name: "emptyDir medium", spec: "volumes: [{name: v, emptyDir: {medium: HugePages}}]",
             expected: "spec.volumes[0].emptyDir.medium: invalid value \"HugePages\": must be one of \"\", Memory"),
        Rule(name: "defaultMode range", spec: "volumes: [{name: v, configMap: {name: c, defaultMode: 01000}}]",
             expected: "spec.volumes[0].configMap.defaultMode: invalid value 512: must be a number between 0 and 0777 (octal), both inclusive"),
        Rule(name: "secret name required", spec: "volumes: [{name: v, secret: {}}]",
             expected: "spec.volumes[0].secret.secretName: required value"),
        Rule(name: "probe needs a handler", container: "livenessProbe: {periodSeconds: 5}",
             expected: "spec.containers[0].livenessProbe: must specify a handler type (exec, httpGet or tcpSocket)"),
        Rule(name: "probe one handler", container: "readinessProbe: {exec: {command: [true]}, tcpSocket: {port: 80}}",
             expected: "spec.containers[0].readinessProbe.tcpSocket: may not specify more than 1 handler type"),
        Rule(name: "liveness success threshold", container: "livenessProbe: {tcpSocket: {port: 80}, successThreshold: 2}",
             expected: "spec.containers[0].livenessProbe.successThreshold: invalid value 2: must be 1"),
        Rule(name: "probe period positive", container: "startupProbe: {tcpSocket: {port: 80}, periodSeconds: 0}",
             expected: "spec.containers[0].startupProbe.periodSeconds: invalid value 0: must be greater than or equal to 1"),
        Rule(name: "probe port range", container: "readinessProbe: {httpGet: {port: 0}}",
             expected: "spec.containers[0].readinessProbe.httpGet.port: invalid value 0: must be between 1 and 65535, inclusive"),
        Rule(name: "grpc probes unsupported", container: "livenessProbe: {grpc: {port: 9000}}",
             expected: "spec.containers[0].livenessProbe.grpc: field is not supported by swkube"),
        Rule(name: "exec needs a command", container: "lifecycle: {preStop: {exec: {}}}",
             expected: "spec.containers[0].lifecycle.preStop.exec.command: required value"),
        Rule(name: "sleep only in hooks", container: "readinessProbe: {sleep: {seconds: 1}}",
             expected: "spec.containers[0].readinessProbe.sleep: forbidden: sleep is only valid in lifecycle hooks"),
        Rule(name: "privileged without escalation", container: "securityContext: {privileged: true, allowPrivilegeEscalation: false}",
             expected: "spec.containers[0].securityContext: cannot set `allowPrivilegeEscalation` to false and `privileged` to true"),
        Rule(name: "runAsUser range", container: "securityContext: {runAsUser: -1}",
             expected: "spec.containers[0].securityContext.runAsUser: invalid value -1: must be between 0 and 2147483647, inclusive"),
        Rule(name: "seccomp Localhost needs a profile", spec: "securityContext: {seccompProfile: {type: Localhost}}",
             expected: "spec.securityContext.seccompProfile.localhostProfile: required value: must be set when seccomp type is Localhost"),
        Rule(name: "seccomp type enum", container: "securityContext: {seccompProfile: {type: Strict}}",
             expected: "spec.containers[0].securityContext.seccompProfile.type: invalid value \"Strict\": must be one of RuntimeDefault, Unconfined, Localhost"),
        Rule(name: "sysctl names", spec: "securityContext: {sysctls: [{name: \"Net/IPv4\", value: \"1\"}]}",
             expected: "spec.securityContext.sysctls[0].name: invalid value \"Net/IPv4\": must be a sysctl name such as net.ipv4.ip_forward"),
        Rule(name: "app containers have no restartPolicy", container: "restartPolicy: Always",
             expected: "spec.containers[0].restartPolicy: forbidden: may only be set on init containers (sidecars); use spec.restartPolicy"),
        Rule(name: "tty unsupported", container: "tty: true", expected: "spec.containers[0].tty: invalid value true: not supported by swkube"),
        Rule(name: "volumeDevices unsupported", container: "volumeDevices: []",
             expected: "spec.containers[0].volumeDevices: field is not supported by swkube"),
        Rule(name: "type mismatch", container: "command: sleep", expected: "spec.containers[0].command: invalid value \"sleep\": expected a list"),
    ]

    @Test(arguments: rules)
    func rule(_ rule: Rule) {
        let text = podYAML(name: rule.podName, containerName: rule.containerName, image: rule.image, containerExtra: rule.container, specExtra: rule.spec, metaExtra: rule.meta)
        #expect(errors(text) == [rule.expected])
    }

    @Test func containerNamesAreUniqueAcrossInitAndApp() {
        let text = podYAML(specExtra: "initContainers: [{name: app, image: busybox}]")
        #expect(errors(text) == ["spec.containers[0].name: duplicate value \"app\""])
    }

    @Test func initContainersMayOnlyBeSidecarsWithAlways() {
        #expect(errors(podYAML(specExtra: "initContainers: [{name: i, image: busybox, restartPolicy: OnFailure}]"))
            == ["spec.initContainers[0].restartPolicy: invalid value \"OnFailure\": must be Always"])
        #expect(errors(podYAML(specExtra: "initContainers: [{name: i, image: busybox, readinessProbe: {tcpSocket: {port: 1}}}]"))
            == ["spec.initContainers[0].readinessProbe: forbidden: may not be set for init containers without restartPolicy=Always"])
        #expect(errors(podYAML(specExtra: "initContainers: [{name: i, image: busybox, restartPolicy: Always, readinessProbe: {tcpSocket: {port: 1}}}]")).isEmpty)
    }

    @Test func containersAreRequired() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: empty}\nspec: {}\n"
        #expect(errors(text) == ["spec.containers: required value"])
    }

    @Test func everyIssueIsReportedNotJustTheFirst() {
        let text = podYAML(name: "Bad_Name", containerExtra: "ports: [{containerPort: 0}]", specExtra: "terminationGracePeriodSeconds: -5")
        #expect(errors(text).count == 3)
    }

    @Test func aFullFeaturedPodIsValid() {
        let text = podYAML(
            containerExtra: """
                command: [sh, -c]
                args: ["echo $(POD_NAME)"]
                workingDir: /work
                env:
                - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                - {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
                - {name: LIMIT, valueFrom: {resourceFieldRef: {resource: limits.memory}}}
                - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
                envFrom: [{configMapRef: {name: settings}, prefix: CFG_}]
                ports: [{containerPort: 8080, name: http, hostPort: 18080}]
                resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: "1", memory: 128Mi}}
                volumeMounts: [{name: cfg, mountPath: /etc/app, readOnly: true}, {name: tmp, mountPath: /tmp}]
                securityContext:
                  runAsUser: 1000
                  runAsNonRoot: true
                  readOnlyRootFilesystem: true
                  allowPrivilegeEscalation: false
                  capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
                  seccompProfile: {type: RuntimeDefault}
                livenessProbe: {httpGet: {path: /healthz, port: http}, initialDelaySeconds: 3, periodSeconds: 5}
                readinessProbe: {tcpSocket: {port: 8080}, successThreshold: 2}
                startupProbe: {exec: {command: [cat, /tmp/ready]}, failureThreshold: 30}
                lifecycle:
                  postStart: {exec: {command: [touch, /tmp/started]}}
                  preStop: {sleep: {seconds: 2}}
                """,
            specExtra: """
                restartPolicy: OnFailure
                terminationGracePeriodSeconds: 10
                activeDeadlineSeconds: 3600
                hostname: web-1
                dnsPolicy: None
                dnsConfig: {nameservers: [1.1.1.1, "2606:4700::1111"], searches: [lan.], options: [{name: ndots, value: "2"}]}
                securityContext: {runAsGroup: 1000, fsGroup: 2000, supplementalGroups: [3000], sysctls: [{name: net.ipv4.ping_group_range, value: "0 1"}]}
                initContainers:
                - {name: setup, image: busybox, command: ["true"]}
                - {name: proxy, image: busybox, restartPolicy: Always}
                volumes:
                - {name: cfg, configMap: {name: settings, items: [{key: app.conf, path: app.conf, mode: 0600}]}}
                - {name: tmp, emptyDir: {medium: Memory, sizeLimit: 64Mi}}
                - {name: host, hostPath: {path: /var/log, type: Directory}}
                - {name: creds, secret: {secretName: creds}}
                """,
            metaExtra: "namespace: edge\nlabels: {app: web, app.kubernetes.io/name: web}\nannotations: {note: hi}")
        let parsed = parse(text)
        #expect(parsed.diagnostics.isEmpty, "\(parsed.diagnostics.map(\.description))")
        #expect(parsed.pods.count == 1)
    }
}
