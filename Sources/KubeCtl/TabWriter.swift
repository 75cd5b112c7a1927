/// Go's text/tabwriter, which kubectl formats its tables and `describe` with: cells end at a tab;
/// a column's width is the widest cell of the run of consecutive lines that have that column, plus
/// padding, at least `minWidth`; a line's last cell is not aligned. Reproducing the algorithm makes
/// the output line up exactly as kubectl's does.
struct TabWriter {
    var minWidth: Int
    var padding: Int

    /// kubectl's table printer (`get`).
    static let table = TabWriter(minWidth: 6, padding: 3)
    /// kubectl's `describe` writer.
    static let describe = TabWriter(minWidth: 0, padding: 2)

    func format(_ text: String) -> String {
        var body = Substring(text)
        let trailingNewline = body.hasSuffix("\n")
        if trailingNewline { body = body.dropLast() }
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        var widths: [Int] = []
        var out: [String] = []
        format(lines, 0, lines.count, &widths, &out)
        return out.joined(separator: "\n") + (trailingNewline ? "\n" : "")
    }

    private func format(_ lines: [[String]], _ start: Int, _ end: Int, _ widths: inout [Int], _ out: inout [String]) {
        let column = widths.count
        var line0 = start
        var this = start
        while this < end {
            if column >= lines[this].count - 1 {
                this += 1
                continue
            }
            // A block of lines with a cell in this column starts here.
            write(lines[line0..<this], widths, &out)
            line0 = this
            var width = minWidth
            while this < end, column < lines[this].count - 1 {
                width = max(width, lines[this][column].count + padding)
                this += 1
            }
            widths.append(width)
            format(lines, line0, this, &widths, &out)
            widths.removeLast()
            line0 = this
        }
        write(lines[line0..<end], widths, &out)
    }

    private func write(_ lines: ArraySlice<[String]>, _ widths: [Int], _ out: inout [String]) {
        for cells in lines {
            var line = ""
            for (j, cell) in cells.enumerated() {
                line += cell
                if j < widths.count { line += String(repeating: " ", count: max(0, widths[j] - cell.count)) }
            }
            out.append(line)
        }
    }
}
