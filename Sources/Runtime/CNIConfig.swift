import SwkSupport

/// A CNI network configuration list: a `.conflist`, or a single-plugin `.conf`/`.json` read as a
/// list of one (as libcni's `ConfListFromFile`/`ConfListFromConf` do).
struct CNIConfigList: Sendable, Equatable {
    var name: String
    var cniVersion: String
    /// Each plugin's config as written in the file, passed through to the plugin.
    var plugins: [JSONValue]
    /// The whole document, kept with the sandbox so that DEL uses the config ADD used.
    var document: JSONValue
    /// Where it was read from.
    var file: String

    /// Result formats swkube can read (0.1/0.2 results have another shape).
    static let supportedVersions: Set<String> = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]

    init(document: JSONValue, file: String) throws(SwkError) {
        var doc = document
        // A single plugin config: the list is the plugin itself.
        if doc["plugins"] == nil, doc["type"] != nil {
            doc = .object([("name", doc["name"] ?? .string("")), ("cniVersion", doc["cniVersion"] ?? .string("")),
                           ("plugins", .array([doc]))])
        }
        guard let name = doc["name"]?.string, !name.isEmpty else {
            throw SwkError(.invalidArgument, "cni config \(file): no network name (field \"name\")")
        }
        let version = doc["cniVersion"]?.string ?? ""
        guard Self.supportedVersions.contains(version) else {
            throw SwkError(.invalidArgument, "cni config \(file): cniVersion \"\(version)\" is not supported (want one of \(Self.supportedVersions.sorted().joined(separator: ", ")))")
        }
        guard let plugins = doc["plugins"]?.array, !plugins.isEmpty else {
            throw SwkError(.invalidArgument, "cni config \(file): no plugins (field \"plugins\")")
        }
        for (i, p) in plugins.enumerated() where (p["type"]?.string ?? "").isEmpty {
            throw SwkError(.invalidArgument, "cni config \(file): plugins[\(i)] has no \"type\"")
        }
        self.name = name
        self.cniVersion = version
        self.plugins = plugins
        self.document = doc
        self.file = file
    }

    /// True for versions whose DEL gets the cached result as `prevResult` (0.4.0 and later).
    var deleteGetsPrevResult: Bool { !cniVersion.hasPrefix("0.3.") }
    /// CHECK exists from 0.4.0 on, unless the list sets `disableCheck`.
    var supportsCheck: Bool { !cniVersion.hasPrefix("0.3.") && document["disableCheck"]?.bool != true }
}

enum CNIConfigFiles {
    /// The file name of the default network swkube installs into an empty config directory.
    static let defaultFileName = "10-swkube.conflist"

    /// The network of the first config file in `dir` by name (`*.conflist`, `*.conf`, `*.json`,
    /// as libcni orders them); nil when there is none.
    static func load(dir: String) throws(SwkError) -> CNIConfigList? {
        let names = FS.isDirectory(dir) ? try FS.list(dir) : []
        let configs = names.filter { !$0.hasPrefix(".") && ($0.hasSuffix(".conflist") || $0.hasSuffix(".conf") || $0.hasSuffix(".json")) }
        guard let first = configs.sorted().first else { return nil }
        let path = "\(dir)/\(first)"
        return try CNIConfigList(document: JSONValue.parse(try FS.readBytes(path), "cni config \(path)"), file: path)
    }

    /// The network of `dir`, first writing the default bridge network there when `dir` holds none.
    static func loadOrInstallDefault(dir: String) throws(SwkError) -> CNIConfigList {
        if let list = try load(dir: dir) { return list }
        try FS.makeDirectories(dir)
        try FS.writeAtomic("\(dir)/\(defaultFileName)", defaultList())
        guard let list = try load(dir: dir) else {
            throw SwkError(.internal, "cni config \(dir)/\(defaultFileName) vanished after it was written")
        }
        return list
    }

    /// A bridge network like podman's default, on a subnet unlikely to clash with podman (10.88/16)
    /// or docker (172.17/16): a gateway bridge, host-local IPAM, and portmap for hostPorts. Outbound
    /// NAT is the node's one rule for the subnet (`NodeMasquerade`), not the plugin's `ipMasq`.
    /// `dataDir` moves host-local's lease files (default /var/lib/cni/networks).
    static func defaultList(network: String = "swkube", bridge: String = "swkube0", subnet: String = "10.85.0.0/16",
                            dataDir: String? = nil) -> String {
        let data = dataDir.map { ",\n        \"dataDir\": \"\($0)\"" } ?? ""
        return """
            {
              "cniVersion": "1.0.0",
              "name": "\(network)",
              "plugins": [
                {
                  "type": "bridge",
                  "bridge": "\(bridge)",
                  "isGateway": true,
                  "ipMasq": false,
                  "hairpinMode": true,
                  "ipam": {
                    "type": "host-local",
                    "routes": [{ "dst": "0.0.0.0/0" }],
                    "ranges": [[{ "subnet": "\(subnet)" }]]\(data)
                  }
                },
                {
                  "type": "portmap",
                  "capabilities": { "portMappings": true }
                }
              ]
            }

            """
    }
}
