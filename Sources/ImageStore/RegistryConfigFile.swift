import SwkSupport
import SwkYAML

extension RegistryConfig {
    /// The node's registries file, `/etc/swkube/registries.yaml` unless told otherwise.
    public static let defaultPath = "/etc/swkube/registries.yaml"

    /// Reads a registries file in k3s's format (plus `configs.<host>.insecure` for plain HTTP).
    /// A missing file at the default path is "no configuration"; a missing file named by the user
    /// is an error. Errors name the file, line, column and field. Keys swkube does not know (k3s's
    /// `rewrite`, say) are returned as warnings. The TLS files are read by the transport, which
    /// names this file and the field when one cannot be used.
    public static func load(file: String) throws(SwkError) -> (config: RegistryConfig, warnings: [String]) {
        guard FS.exists(file) else {
            if file == defaultPath { return (RegistryConfig(), []) }
            throw SwkError(.notFound, "registries file \(file) does not exist")
        }
        return try parse(try FS.readBytes(file), file: file)
    }

    /// Decodes the text of a registries file; `file` names it in messages.
    public static func parse(_ bytes: [UInt8], file: String) throws(SwkError) -> (config: RegistryConfig, warnings: [String]) {
        let report: YAMLDecodeReport<RegistryConfig>
        do {
            let node = try YAMLParser().parseSingle(bytes)
            if node.scalarText == "" { return (RegistryConfig(), []) }
            report = try YAMLDecoder().decodeWithReport(RegistryConfig.self, from: node)
        } catch {
            throw SwkError(.invalidArgument, "\(file):\(error)")
        }
        let warnings = report.unknownFields.map { "\(file):\($0.mark): \($0.path): unknown field, ignored" }
        for (host, config) in (report.value.configs ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let auth = config.auth?.auth, config.auth?.username == nil, config.auth?.basicCredentials == nil {
                throw SwkError(.invalidArgument, "\(file): configs[\(host)].auth.auth: \"\(auth.prefix(8))…\" is not base64 of username:password")
            }
        }
        return (report.value, warnings)
    }
}
