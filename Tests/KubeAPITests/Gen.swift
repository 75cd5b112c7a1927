import Testing
@testable import KubeAPI
@Test func gen() throws {
    for name in FixtureTests.invalid {
        let bytes = readBytes(manifestsDirectory + "/invalid/" + name) ?? []
        let parsed = ManifestParser.parse(bytes, file: name)
        let actual = parsed.diagnostics.map(\.description).joined(separator: "\n") + "\n"
        let stem = name.split(separator: ".").dropLast().joined(separator: ".")
        print("=== \(stem)\n\(actual)", terminator: "")
    }
}
