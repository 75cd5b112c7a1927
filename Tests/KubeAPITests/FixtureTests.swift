import Testing
import Glibc
@testable import KubeAPI

/// The repository's `manifests/` directory, found from this file's path.
let manifestsDirectory: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/KubeAPITests/FixtureTests.swift
    return parts.joined(separator: "/") + "/manifests"
}()

func listFiles(_ directory: String, suffixes: [String]) -> [String] {
    guard let dir = opendir(directory) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if suffixes.contains(where: { name.hasSuffix($0) }), !name.hasPrefix(".") { names.append(name) }
    }
    return names.sorted()
}

func readBytes(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n <= 0 { break }
        bytes += buffer[0..<n]
    }
    return bytes
}

@Suite struct FixtureTests {
    static let invalid = listFiles(manifestsDirectory + "/invalid", suffixes: [".yaml", ".yml", ".json"])
    static let examples = listFiles(manifestsDirectory + "/examples", suffixes: [".yaml", ".yml", ".json"])

    @Test func invalidFixturesExist() {
        #expect(Self.invalid.count >= 10, "looked in \(manifestsDirectory)/invalid")
    }

    /// Each broken manifest produces exactly the diagnostics written in its `.expected` sibling.
    @Test(arguments: invalid)
    func invalidManifestGivesExpectedDiagnostics(name: String) throws {
        let path = manifestsDirectory + "/invalid/" + name
        let bytes = try #require(readBytes(path))
        let stem = name.split(separator: ".").dropLast().joined(separator: ".")
        let expectedBytes = try #require(readBytes(manifestsDirectory + "/invalid/" + stem + ".expected"),
                                         "missing \(stem).expected")
        let parsed = ManifestParser.parse(bytes, file: name)
        let actual = parsed.diagnostics.map(\.description).joined(separator: "\n") + "\n"
        #expect(actual == String(decoding: expectedBytes, as: UTF8.self))
        #expect(!parsed.errors.isEmpty)
    }

    /// Valid pods beside a broken document or List item are kept.
    @Test(arguments: [("one-broken-document.yaml", ["good"]), ("list-with-bad-item.yaml", ["kept"])])
    func validPodsBesideBrokenOnesSurvive(name: String, pods: [String]) throws {
        let bytes = try #require(readBytes(manifestsDirectory + "/invalid/" + name))
        let parsed = ManifestParser.parse(bytes, file: name)
        #expect(parsed.pods.map(\.metadata.name) == pods)
        #expect(!parsed.isUnreadable)
    }

    /// The lead's examples must parse with no error (warnings are allowed but listed).
    @Test(arguments: examples)
    func exampleParsesCleanly(name: String) throws {
        let bytes = try #require(readBytes(manifestsDirectory + "/examples/" + name))
        let parsed = ManifestParser.parse(bytes, file: name)
        #expect(parsed.errors.isEmpty, "\(parsed.errors.map(\.description))")
        #expect(!parsed.isUnreadable)
        #expect(!parsed.pods.isEmpty || !parsed.configMaps.isEmpty || !parsed.secrets.isEmpty)
    }
}
