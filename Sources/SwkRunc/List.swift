import Glibc
import OCI
import SwkSupport

/// `list [--format table|json] [-q]`: every container under --root.
enum ListCommand {
    static let shape = Arguments.Shape(valued: ["format"], boolean: ["quiet"], aliases: ["f": "format", "q": "quiet"])

    static func run(_ args: ArraySlice<String>, _ ctx: Context) throws(SwkError) -> Int32 {
        let a = try Arguments.parse(args, shape)
        let ids = FS.isDirectory(ctx.root) ? try FS.list(ctx.root).sorted() : []
        let host = Cgroups.Host.current
        var states: [State] = []
        for id in ids {
            let dir = StateDir(root: ctx.root, id: id)
            guard let record = try? dir.load() else { continue }
            states.append(record.ociState(record.status(in: dir, host: host)))
        }
        if a.has("quiet") {
            emit(states.map { $0.id + "\n" }.joined())
            return 0
        }
        switch a.value("format") ?? "table" {
        case "json":
            emit("[" + states.map(StateJSON.compact).joined(separator: ",") + "]\n")
        case "table":
            let rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]]
                + states.map { [$0.id, String($0.pid), $0.status, $0.bundle, $0.created, "root"] }
            emit(table(rows))
        case let other:
            throw SwkError(.invalidArgument, "list: unknown format \"\(other)\"")
        }
        return 0
    }

    /// Columns padded like Go's tabwriter with padding 3.
    static func table(_ rows: [[String]]) -> String {
        guard let width = rows.first?.count else { return "" }
        var widths = [Int](repeating: 0, count: width)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 3)
            }.joined() + "\n"
        }.joined()
    }
}
