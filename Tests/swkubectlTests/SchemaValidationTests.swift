import Glibc
@testable import KubeCtl
import SwkSupport
import Testing

/// The PyPI tool that checks objects against the Kubernetes OpenAPI schemas offline
/// (`pip install kubernetes-validate`), found on PATH.
private let kubernetesValidate: String? = {
    let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/kubernetes-validate" }.first { access($0, X_OK) == 0 }
}()

/// `-o yaml` and `-o json` of every fixture pod are valid `v1 Pod` objects under `--strict` (no
/// unknown fields), so scripts and tools written for kubectl's output accept ours.
@Suite struct SchemaValidation {
    @Test(.enabled(if: kubernetesValidate != nil, "kubernetes-validate is not on PATH (pip install kubernetes-validate)"),
          arguments: ["yaml", "json"])
    func everyPodPassesStrictValidation(format: String) throws {
        let validator = try #require(kubernetesValidate)
        let node = try FixtureNode()
        for pod in FixtureNode.pods() {
            let out = node.run("get", "pods", pod.name, "-n", pod.namespace, "-o", format)
            try #require(out.exitCode == 0, "\(out.stderr)")
            let file = "\(node.root)/\(pod.name).\(format)"
            try FS.writeAtomic(file, out.stdout)
            let result = try Spawn.run([validator, "--strict", file])
            #expect(result.status == 0, "\(pod.name) -o \(format): \(result.stdout)\(result.stderr)")
        }
    }
}
