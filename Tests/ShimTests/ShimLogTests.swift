import Glibc
import SwkSupport
import Testing
import TestSupport
import ContainerLog

/// swkube-shim's CRI log framing and size rotation, without a container.
struct CRILogFramingTests {
    /// The records' `stream tag text` parts (the timestamp checked on its own).
    static func records(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { $0.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "" }
    }

    @Test func linesBecomeFullRecordsAcrossChunks() {
        var stream = CRILogStream(stream: "stdout")
        var out: [UInt8] = []
        stream.feed(ArraySlice("one\ntw".utf8), into: &out)
        stream.feed(ArraySlice("o\n\nthree".utf8), into: &out)
        #expect(Self.records(out) == ["stdout F one", "stdout F two", "stdout F "])
        stream.finish(into: &out)
        #expect(Self.records(out).last == "stdout F three", "an unterminated last line is still a whole line")
    }

    @Test func longLinesAreSplitIntoPartialsThenAFinalPiece() {
        var stream = CRILogStream(stream: "stderr", maxLine: 4)
        var out: [UInt8] = []
        stream.feed(ArraySlice("abcdefghij\n".utf8), into: &out)
        #expect(Self.records(out) == ["stderr P abcd", "stderr P efgh", "stderr F ij"])
    }

    @Test func timestampsAreRFC3339NanoInUTC() {
        let text = String(decoding: CRILogStream.timestamp(), as: UTF8.self)
        let shape = text.map { $0.isNumber ? "9" : String($0) }.joined()
        #expect(shape == "9999-99-99T99:99:99.999999999Z", "\(text)")
    }
}

struct ShimLogRotationTests {
    @Test func rotatesBySizeKeepingTheNewestFilesAndWholeRecords() throws {
        let dir = try makeTempDir("shimlog")
        defer { try? FS.removeTree(dir) }
        var log = try LogFile(path: "\(dir)/0.log", maxSize: 9, maxFiles: 3)
        for i in 1...5 {
            #expect(log.write(Array("record-\(i)\n".utf8)) == nil)
        }
        let rotated = LogFile.rotatedFiles(of: "\(dir)/0.log")
        #expect(rotated.count == 2, "maxFiles 3: the current file and the two newest rotated ones, \(rotated)")
        // Every record (9 bytes: maxSize) filled a file of its own, never split.
        #expect(try rotated.map { try FS.readString($0) } == ["record-4\n", "record-5\n"])
        #expect(try FS.readString("\(dir)/0.log") == "")
        var st = stat()
        #expect(stat("\(dir)/0.log", &st) == 0 && st.st_mode & 0o007 == 0, "the log is not readable by other users")
    }

    @Test func sizeZeroNeverRotates() throws {
        let dir = try makeTempDir("shimlog")
        defer { try? FS.removeTree(dir) }
        var log = try LogFile(path: "\(dir)/0.log", maxSize: 0, maxFiles: 2)
        for _ in 1...100 { _ = log.write(Array("0123456789\n".utf8)) }
        #expect(LogFile.rotatedFiles(of: "\(dir)/0.log").isEmpty)
        #expect(try FS.readBytes("\(dir)/0.log").count == 1100)
    }
}
