import SwkSupport

/// Pulls by running `swkube-pull` (swkubectl's pull with the registry transport linked in) against
/// the node's image store: the transport's NIO and BoringSSL stay out of the daemon's memory (a
/// linked-in transport took its idle RSS from 21 to 32 MB). A failure is the helper's last error
/// line (the registry's message, `error: ` and warnings dropped), or its exit status if it said
/// nothing.
public struct HelperPuller: Sendable {
    let helper: String
    let rootDir: String
    let registryConfig: String

    public init(helper: String, rootDir: String, registryConfig: String) {
        self.helper = helper
        self.rootDir = rootDir
        self.registryConfig = registryConfig
    }

    /// The helper's command line for one reference.
    func arguments(_ reference: String) -> [String] {
        [helper, "--root-dir", rootDir, "pull", "--registry-config", registryConfig, reference]
    }

    public func pull(_ reference: String) async throws {
        let out = try CaptureFile(), err = try CaptureFile()
        defer { out.close(); err.close() }
        let pid = try Spawn.start(arguments(reference), stdout: .fd(out.fd), stderr: .fd(err.fd))
        let status = try await Spawn.waitAsync(pid)
        guard status == 0 else {
            let said = String(decoding: err.contents(), as: UTF8.self)
                .split(separator: "\n").last { !$0.hasPrefix("warning:") }.map(String.init) ?? "exit status \(status)"
            throw SwkError(.unavailable, said.hasPrefix("error: ") ? String(said.dropFirst(7)) : said)
        }
    }
}
