import CRI
import Controller
import Glibc
import KubeAPI
import SwkSupport
import Testing
import TestSupport

/// Pod volumes + volumeMounts → CRI mounts, as a table of manifests and the mounts they give.
struct VolumeMountsTests {
    static let objects = """
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: app}
        data: {a.conf: "alpha", b.conf: "beta"}
        binaryData: {logo.bin: AAEC}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: creds}
        stringData: {token: s3cret}

        """

    /// Parses a pod whose one container `c` mounts what `mounts` says, with `volumes`.
    static func parse(volumes: String, mounts: String) throws -> (Pod, PodConfigObjects) {
        let text = """
            apiVersion: v1
            kind: Pod
            metadata: {name: web}
            spec:
              containers:
                - name: c
                  image: busybox
                  volumeMounts: \(mounts)
              volumes: \(volumes)

            """ + objects
        let parsed = ManifestParser.parse(Array(text.utf8), file: "test.yaml")
        let errors = parsed.diagnostics.filter { $0.severity == .error }
        try #require(errors.isEmpty, "\(errors)")
        let pod = try #require(parsed.pods.first)
        var objects = PodConfigObjects()
        for cm in parsed.configMaps { objects.configMaps[cm.metadata.name] = cm }
        for s in parsed.secrets { objects.secrets[s.metadata.name] = s }
        return (pod, objects)
    }

    static func mount(_ path: String, _ name: String, _ source: PodVolumeSource, hostPath: String = "",
                      readonly: Bool = false, subPath: String = "", propagation: MountPropagation = .private) -> CRI.Mount {
        var m = CRI.Mount(containerPath: path, hostPath: hostPath, readonly: readonly)
        m.volume = PodVolume(name: name, source: source)
        m.subPath = subPath
        m.propagation = propagation
        return m
    }

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    static let cases: [(String, String, String, [CRI.Mount])] = [
        ("hostPath keeps its path, type, readOnly and subPath",
         "[{name: h, hostPath: {path: /srv/data, type: Directory}}]",
         "[{name: h, mountPath: /data, readOnly: true, subPath: sub/dir}]",
         [mount("/data", "h", .hostPath(path: "/srv/data", type: "Directory"), hostPath: "/srv/data", readonly: true, subPath: "sub/dir")]),
        ("mountPropagation maps to CRI's propagation",
         "[{name: h, hostPath: {path: /mnt}}]",
         "[{name: h, mountPath: /a, mountPropagation: HostToContainer}, {name: h, mountPath: /b, mountPropagation: None}]",
         [mount("/a", "h", .hostPath(path: "/mnt", type: ""), hostPath: "/mnt", propagation: .hostToContainer),
          mount("/b", "h", .hostPath(path: "/mnt", type: ""), hostPath: "/mnt")]),
        ("hostPath without a type is not checked",
         "[{name: h, hostPath: {path: /var/run/x.sock}}]", "[{name: h, mountPath: /x.sock}]",
         [mount("/x.sock", "h", .hostPath(path: "/var/run/x.sock", type: ""), hostPath: "/var/run/x.sock")]),
        ("emptyDir on disk, and in memory with its sizeLimit in bytes",
         "[{name: d, emptyDir: {}}, {name: m, emptyDir: {medium: Memory, sizeLimit: 64Mi}}]",
         "[{name: d, mountPath: /cache}, {name: m, mountPath: /mem}, {name: d, mountPath: /part, subPath: p}]",
         [mount("/cache", "d", .emptyDir(memory: false, sizeLimitBytes: 0)),
          mount("/mem", "m", .emptyDir(memory: true, sizeLimitBytes: 64 << 20)),
          mount("/part", "d", .emptyDir(memory: false, sizeLimitBytes: 0), subPath: "p")]),
        ("a configMap projects every key (binaryData too) with defaultMode, read-only",
         "[{name: cfg, configMap: {name: app}}]", "[{name: cfg, mountPath: /etc/app}]",
         [mount("/etc/app", "cfg", .files([VolumeFile(path: "a.conf", content: bytes("alpha"), mode: 0o644),
                                          VolumeFile(path: "b.conf", content: bytes("beta"), mode: 0o644),
                                          VolumeFile(path: "logo.bin", content: [0, 1, 2], mode: 0o644)], memory: false),
                readonly: true)]),
        ("configMap items choose keys, paths and modes",
         "[{name: cfg, configMap: {name: app, defaultMode: 0600, items: [{key: b.conf, path: conf/b}, {key: a.conf, path: a, mode: 0444}]}}]",
         "[{name: cfg, mountPath: /etc/app}]",
         [mount("/etc/app", "cfg", .files([VolumeFile(path: "conf/b", content: bytes("beta"), mode: 0o600),
                                          VolumeFile(path: "a", content: bytes("alpha"), mode: 0o444)], memory: false),
                readonly: true)]),
        ("a secret lands in memory with its defaultMode",
         "[{name: s, secret: {secretName: creds, defaultMode: 0400}}]", "[{name: s, mountPath: /run/creds}]",
         [mount("/run/creds", "s", .files([VolumeFile(path: "token", content: bytes("s3cret"), mode: 0o400)], memory: true),
                readonly: true)]),
        ("optional objects and keys that are missing give what exists",
         "[{name: a, configMap: {name: nope, optional: true}}, {name: b, secret: {secretName: creds, optional: true, items: [{key: gone, path: g}, {key: token, path: t}]}}]",
         "[{name: a, mountPath: /a}, {name: b, mountPath: /b}]",
         [mount("/a", "a", .files([], memory: false), readonly: true),
          mount("/b", "b", .files([VolumeFile(path: "t", content: bytes("s3cret"), mode: 0o644)], memory: true), readonly: true)]),
    ]

    @Test(arguments: cases)
    func mountsFromVolumes(name: String, volumes: String, mounts: String, expected: [CRI.Mount]) throws {
        let (pod, objects) = try Self.parse(volumes: volumes, mounts: mounts)
        let container = try #require(pod.spec.containers.first)
        #expect(try VolumeMounts.mounts(for: container, in: pod, objects: objects) == expected, "\(name)")
    }

    @Test(arguments: [
        ("[{name: c, configMap: {name: missing}}]", "volume c: configmap \"missing\" not found in namespace default"),
        ("[{name: c, secret: {secretName: missing}}]", "volume c: secret \"missing\" not found in namespace default"),
        ("[{name: c, configMap: {name: app, items: [{key: nokey, path: x}]}}]", "volume c: configmap \"app\" has no key \"nokey\""),
    ])
    func missingObjectsAndKeysAreErrors(volumes: String, message: String) throws {
        let (pod, objects) = try Self.parse(volumes: volumes, mounts: "[{name: c, mountPath: /c}]")
        let container = try #require(pod.spec.containers.first)
        let error = #expect(throws: SwkError.self) { try VolumeMounts.mounts(for: container, in: pod, objects: objects) }
        #expect(error?.message == message)
        // The builder fails the same way (kubelet's CreateContainerConfigError).
        #expect(throws: SwkError.self) {
            try RuntimeConfigBuilder(podLogDir: "/logs", node: .init(nodeName: "node1", cpuCores: 2, memoryBytes: 1 << 30)).containerConfig(for: container, in: pod, restartCount: 0, objects: objects)
        }
    }

    /// Scans a directory holding pod `web` with `spec` (YAML lines under `spec:`) and `objects`,
    /// and returns what the manifest source hands the pod.
    func scannedObjects(spec: String, objects: String) async throws -> PodConfigObjects {
        let dir = try makeTempDir("objects")
        defer { try? FS.removeTree(dir) }
        try FS.writeAtomic("\(dir)/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n\(spec)")
        try FS.writeAtomic("\(dir)/objects.yaml", objects)
        let scan = await ManifestSource(directory: dir).scan(now: SystemClock().now() + 60 * nanosPerSecond)
        return try #require(scan.state.pods.values.first).objects
    }

    @Test func theManifestSourceHandsEachPodTheObjectsItsVolumesName() async throws {
        let objects = try await scannedObjects(spec: """
              containers: [{name: c, image: busybox, volumeMounts: [{name: cfg, mountPath: /cfg}]}]
              volumes: [{name: cfg, configMap: {name: app}}, {name: s, secret: {secretName: creds}}]

            """, objects: Self.objects + """
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: unrelated}
            data: {x: y}

            """)
        #expect(objects.configMaps.keys.sorted() == ["app"])
        #expect(objects.configMaps["app"]?.data["a.conf"] == "alpha")
        #expect(objects.secrets["creds"]?.data["token"] == Array("s3cret".utf8))
    }

    @Test func envReferencesAlsoHandThePodItsObjects() async throws {
        let objects = try await scannedObjects(spec: """
              initContainers:
                - {name: i, image: busybox, envFrom: [{secretRef: {name: creds}}]}
              containers:
                - name: c
                  image: busybox
                  env: [{name: A, valueFrom: {configMapKeyRef: {name: app, key: a.conf}}}]

            """, objects: Self.objects)
        #expect(objects.configMaps.keys.sorted() == ["app"])
        #expect(objects.secrets.keys.sorted() == ["creds"])
    }
}
