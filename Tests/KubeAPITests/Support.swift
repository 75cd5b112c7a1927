@testable import KubeAPI

/// A minimal valid pod manifest; `spec` lines are inserted under the first container or the spec.
func podYAML(name: String = "web", containerName: String = "app", image: String = "busybox:1.36", containerExtra: String = "", specExtra: String = "", metaExtra: String = "") -> String {
    """
    apiVersion: v1
    kind: Pod
    metadata:
      name: \(name)
    \(indent(metaExtra, 2))
    spec:
    \(indent(specExtra, 2))
      containers:
      - name: \(containerName)
        image: \(image)
    \(indent(containerExtra, 4))
    """
}

private func indent(_ text: String, _ n: Int) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false)
        .map { $0.isEmpty ? "" : String(repeating: " ", count: n) + $0 }.joined(separator: "\n")
}

func parse(_ text: String, file: String = "test.yaml") -> ParsedManifest {
    ManifestParser.parse(Array(text.utf8), file: file)
}
