import ArgumentParser
import ImageStore
import StateStore
import SwkSupport

/// `swkubectl images` / `get images`: the image store's images, as `crictl images` lists them.
struct ImagesCommand: KubeCtlCommand {
    static let configuration = CommandConfiguration(
        commandName: "images", abstract: "List images in the node's image store.", aliases: ["image"])

    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Only show image ids.") var quiet = false

    func output(_ ctx: Context) throws(SwkError) -> Output {
        let store = try ImageStore(root: global.rootDir)
        let records = try store.list().sorted { ($0.names.first ?? $0.id) < ($1.names.first ?? $1.id) }
        if quiet { return Output(stdout: records.map { "\($0.id)\n" }.joined()) }
        var text = "IMAGE\tTAG\tIMAGE ID\tSIZE\n"
        for record in records {
            let id = String(record.id.split(separator: ":").last?.prefix(13) ?? "")
            let names = record.names.isEmpty ? ["<none>:<none>"] : record.names
            for name in names {
                let (repo, tag) = splitTag(name)
                text += "\(repo)\t\(tag)\t\(id)\t\(humanSize(record.size))\n"
            }
        }
        return Output(stdout: TabWriter.table.format(text))
    }
}

/// `swkubectl import FILE`: loads a `docker save` or OCI image archive into the image store and
/// unpacks its layers, as `ctr images import` does, so the first pod does not wait for it.
struct ImportCommand: KubeCtlCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import a docker-save or OCI image archive.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The archive file.") var file: String

    func output(_ ctx: Context) throws(SwkError) -> Output {
        let store = try ImageStore(root: global.rootDir)
        let records = try store.importArchive(path: file)
        for record in records { _ = try store.lowerDirs(for: record) }
        return Output(stdout: records.flatMap { r in r.names.map { "imported \($0) (\(r.id))\n" } }.joined())
    }
}

/// `repo:tag` → (repo, tag); the colon of a registry port is not a tag separator.
func splitTag(_ name: String) -> (String, String) {
    let withoutDigest = name.split(separator: "@").first.map(String.init) ?? name
    if let colon = withoutDigest.lastIndex(of: ":"), !withoutDigest[colon...].contains("/") {
        return (String(withoutDigest[..<colon]), String(withoutDigest[withoutDigest.index(after: colon)...]))
    }
    return (withoutDigest, "<none>")
}

/// Sizes as crictl prints them (`1.04MB`): decimal units.
func humanSize(_ bytes: Int64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    if unit == 0 { return "\(bytes)B" }
    let rounded = (value * 100).rounded() / 100
    return "\(rounded)\(units[unit])"
}

/// `swkubectl rmi REF…`: untags a name, or removes an image by ID or digest (then collects
/// garbage), as `crictl rmi`; refused while a pod in the state database uses the image, since the
/// daemon would otherwise find it gone at the container's next restart.
struct RmiCommand: KubeCtlCommand {
    static let configuration = CommandConfiguration(commandName: "rmi", abstract: "Remove images from the node's image store.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Image names, IDs or digests.") var references: [String]

    func validate() throws {
        if references.isEmpty { throw ValidationError("image id or name is required") }
    }

    func output(_ ctx: Context) throws(SwkError) -> Output {
        let images = try ImageStore(root: global.rootDir)
        let pods: [PodRecord]
        do {
            pods = try global.paths.openState().pods()
        } catch where error.code == .notFound {
            pods = []  // the daemon never ran here: no pod can use an image
        }
        var out = Output()
        for reference in references {
            guard let record = try images.resolve(reference) else {
                out.stderr += "error: no such image \(reference)\n"
                out.exitCode = 1
                continue
            }
            let name = try? ImageReference.normalize(reference)
            // Untagging one of several names leaves the image: only users of that name matter.
            let onlyUntags = name.map { record.names.contains($0) && record.names.count > 1 } ?? false
            var user: String?
            for pod in pods {
                for c in pod.containers where user == nil {
                    var uses = c.imageID == record.id || c.imageID == record.manifestDigest
                    if !uses { uses = try images.resolve(c.image)?.manifestDigest == record.manifestDigest }
                    if onlyUntags { uses = (try? ImageReference.normalize(c.image)) == name }
                    if uses { user = "\(pod.namespace)/\(pod.name) (container \(c.name))" }
                }
            }
            if let user {
                out.stderr += "error: image \(reference) is in use by pod \(user): delete the pod first\n"
                out.exitCode = 1
                continue
            }
            try images.remove(reference)
            let removed = onlyUntags ? [name ?? reference] : (record.names.isEmpty ? [record.id] : record.names)
            out.stdout += removed.map { "Deleted: \($0)\n" }.joined()
        }
        return out
    }
}
