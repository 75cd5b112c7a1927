import ArgumentParser
import ImageStore
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

/// `swkubectl import FILE`: loads a `docker save` or OCI image archive into the image store.
struct ImportCommand: KubeCtlCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import a docker-save or OCI image archive.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The archive file.") var file: String

    func output(_ ctx: Context) throws(SwkError) -> Output {
        let store = try ImageStore(root: global.rootDir)
        let records = try store.importArchive(path: file)
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
