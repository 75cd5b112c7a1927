/// Types of the OCI image specification (image-spec v1.1) and the Docker equivalents we accept.
/// Field names follow the JSON of the spec so the Codable synthesis stays trivial; optional fields
/// stay optional so that re-encoding a decoded document never invents keys.
/// Runtime-spec types live elsewhere in this target; these are grouped under `ImageSpec` so the two
/// never collide (both specs have a "config" and a "platform").
public enum ImageSpec {
    /// Media types of the documents and layers we read or write.
    public enum MediaType {
        public static let ociIndex = "application/vnd.oci.image.index.v1+json"
        public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
        public static let ociConfig = "application/vnd.oci.image.config.v1+json"
        public static let ociLayer = "application/vnd.oci.image.layer.v1.tar"
        public static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
        public static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
        public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
        public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
        public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
        public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"

        public static func isIndex(_ type: String?) -> Bool {
            type == ociIndex || type == dockerManifestList
        }

        public static func isManifest(_ type: String?) -> Bool {
            type == ociManifest || type == dockerManifest
        }
    }

    /// Annotation keys that carry an image's name inside an OCI layout.
    public enum Annotation {
        public static let refName = "org.opencontainers.image.ref.name"
        public static let containerdImageName = "io.containerd.image.name"
    }

    public struct Platform: Codable, Sendable, Equatable {
        public var architecture: String
        public var os: String
        public var variant: String?
        public var osVersion: String?
        public var osFeatures: [String]?

        public init(architecture: String, os: String, variant: String? = nil) {
            self.architecture = architecture
            self.os = os
            self.variant = variant
        }

        enum CodingKeys: String, CodingKey {
            case architecture, os, variant
            case osVersion = "os.version"
            case osFeatures = "os.features"
        }
    }

    /// A typed, sized, content-addressed pointer to a blob.
    public struct Descriptor: Codable, Sendable, Equatable {
        public var mediaType: String
        public var digest: String
        public var size: Int64
        public var urls: [String]?
        public var annotations: [String: String]?
        public var platform: Platform?

        public init(mediaType: String, digest: String, size: Int64, annotations: [String: String]? = nil,
                    platform: Platform? = nil) {
            self.mediaType = mediaType
            self.digest = digest
            self.size = size
            self.annotations = annotations
            self.platform = platform
        }
    }

    /// An image index (OCI) or manifest list (Docker schema2); also `index.json` of a layout.
    public struct Index: Codable, Sendable, Equatable {
        public var schemaVersion: Int
        public var mediaType: String?
        public var manifests: [Descriptor]
        public var annotations: [String: String]?

        public init(manifests: [Descriptor], mediaType: String? = MediaType.ociIndex,
                    annotations: [String: String]? = nil) {
            self.schemaVersion = 2
            self.mediaType = mediaType
            self.manifests = manifests
            self.annotations = annotations
        }
    }

    /// An image manifest, OCI or Docker schema2 (the two share this shape).
    public struct Manifest: Codable, Sendable, Equatable {
        public var schemaVersion: Int
        public var mediaType: String?
        public var config: Descriptor
        public var layers: [Descriptor]
        public var annotations: [String: String]?

        public init(config: Descriptor, layers: [Descriptor], mediaType: String? = MediaType.ociManifest,
                    annotations: [String: String]? = nil) {
            self.schemaVersion = 2
            self.mediaType = mediaType
            self.config = config
            self.layers = layers
            self.annotations = annotations
        }
    }

    /// The image configuration document (`application/vnd.oci.image.config.v1+json`).
    public struct Image: Codable, Sendable, Equatable {
        public var created: String?
        public var author: String?
        public var architecture: String
        public var os: String
        public var variant: String?
        public var config: Config?
        public var rootfs: RootFS
        public var history: [History]?

        public init(architecture: String, os: String, config: Config?, rootfs: RootFS) {
            self.architecture = architecture
            self.os = os
            self.config = config
            self.rootfs = rootfs
        }
    }

    /// The execution defaults of an image (`config` in the image configuration; capitalised keys).
    public struct Config: Codable, Sendable, Equatable {
        public var user: String?
        public var exposedPorts: [String: EmptyObject]?
        public var env: [String]?
        public var entrypoint: [String]?
        public var cmd: [String]?
        public var volumes: [String: EmptyObject]?
        public var workingDir: String?
        public var labels: [String: String]?
        public var stopSignal: String?

        public init(user: String? = nil, env: [String]? = nil, entrypoint: [String]? = nil,
                    cmd: [String]? = nil, workingDir: String? = nil, labels: [String: String]? = nil,
                    stopSignal: String? = nil) {
            self.user = user
            self.env = env
            self.entrypoint = entrypoint
            self.cmd = cmd
            self.workingDir = workingDir
            self.labels = labels
            self.stopSignal = stopSignal
        }

        enum CodingKeys: String, CodingKey {
            case user = "User", exposedPorts = "ExposedPorts", env = "Env", entrypoint = "Entrypoint"
            case cmd = "Cmd", volumes = "Volumes", workingDir = "WorkingDir", labels = "Labels"
            case stopSignal = "StopSignal"
        }
    }

    /// `{}`, the value type of the spec's set-like maps (ExposedPorts, Volumes).
    public struct EmptyObject: Codable, Sendable, Equatable {
        public init() {}
    }

    public struct RootFS: Codable, Sendable, Equatable {
        public var type: String
        public var diffIDs: [String]

        public init(diffIDs: [String]) {
            self.type = "layers"
            self.diffIDs = diffIDs
        }

        enum CodingKeys: String, CodingKey {
            case type
            case diffIDs = "diff_ids"
        }
    }

    public struct History: Codable, Sendable, Equatable {
        public var created: String?
        public var createdBy: String?
        public var comment: String?
        public var emptyLayer: Bool?

        enum CodingKeys: String, CodingKey {
            case created, comment
            case createdBy = "created_by"
            case emptyLayer = "empty_layer"
        }
    }

    /// The content of `oci-layout` at the root of an image layout.
    public struct Layout: Codable, Sendable, Equatable {
        public var imageLayoutVersion: String
    }

    /// One element of `manifest.json` written by `docker save` (paths are inside the archive).
    public struct DockerSaveEntry: Codable, Sendable, Equatable {
        public var config: String
        public var repoTags: [String]?
        public var layers: [String]

        public init(config: String, repoTags: [String]?, layers: [String]) {
            self.config = config
            self.repoTags = repoTags
            self.layers = layers
        }

        enum CodingKeys: String, CodingKey {
            case config = "Config", repoTags = "RepoTags", layers = "Layers"
        }
    }
}
