import Glibc
import OCI
import SwkSupport

/// Picks the manifest for this machine out of an index (OCI) or manifest list (Docker).
enum ImagePlatform {
    /// This machine in OCI terms (`GOARCH` names), from uname(2).
    static let host: ImageSpec.Platform = {
        var u = utsname()
        uname(&u)
        let machine = withUnsafeBytes(of: u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        switch machine {
        case "x86_64": return .init(architecture: "amd64", os: "linux")
        case "aarch64", "arm64": return .init(architecture: "arm64", os: "linux", variant: "v8")
        case "armv7l": return .init(architecture: "arm", os: "linux", variant: "v7")
        case "armv6l": return .init(architecture: "arm", os: "linux", variant: "v6")
        case "i686", "i386": return .init(architecture: "386", os: "linux")
        default: return .init(architecture: machine, os: "linux")
        }
    }()

    static func matches(_ p: ImageSpec.Platform) -> Bool {
        guard p.os == host.os, p.architecture == host.architecture else { return false }
        // arm64 images rarely say "v8"; a missing variant matches any.
        return p.variant == nil || host.variant == nil || p.variant == host.variant
    }

    /// `d` itself when it is a manifest; the host's manifest when it is an index.
    static func select(_ d: ImageSpec.Descriptor, store: ContentStore, label: String) throws(SwkError) -> ImageSpec.Descriptor {
        if ImageSpec.MediaType.isManifest(d.mediaType) { return d }
        guard ImageSpec.MediaType.isIndex(d.mediaType) else {
            throw SwkError(.invalidArgument, "\(label): \(d.digest) has unsupported media type \(d.mediaType)")
        }
        let index = try decode(ImageSpec.Index.self, try store.read(d.digest), "\(label): index \(d.digest)")
        return try choose(from: index, label: "\(label): index \(d.digest)")
    }

    /// The manifest of `index` for this machine (or its only manifest, when that names no platform).
    static func choose(from index: ImageSpec.Index, label: String) throws(SwkError) -> ImageSpec.Descriptor {
        let candidates = index.manifests.filter { ImageSpec.MediaType.isManifest($0.mediaType) }
        if let m = candidates.first(where: { $0.platform.map(matches) ?? false }) { return m }
        if candidates.count == 1, candidates[0].platform == nil { return candidates[0] }
        throw SwkError(.notFound, "\(label) has no manifest for \(host.os)/\(host.architecture)")
    }
}
