import Controller
import CRI
import Glibc
import ImageStore
import KubeAPI
import SwkSupport
import SwkYAML

let swkubeVersion = "0.1.0"

/// The node's settings: defaults, then the config file, then command-line flags.
struct NodeSettings: Sendable {
    var podManifestPath = "/etc/swkube/pods"
    var rootDir = "/var/lib/swkube"
    var runDir = "/run/swkube"
    var podLogDir = "/var/log/pods"
    var runtime = ""
    var shim = ""
    /// `swkube-pull`, which the daemon runs for image pulls.
    var pullHelper = ""
    var cniConfDir = "/etc/cni/net.d"
    var cniBinDir = "/usr/lib/cni:/opt/cni/bin"
    /// k3s-format registries file; a missing default file means no mirrors or credentials.
    var registryConfig = RegistryConfig.defaultPath
    var syncFrequency: Int64 = 10 * nanosPerSecond
    /// kubelet's housekeeping interval: emptyDir sizeLimit checks and the cheap CNI check.
    var housekeepingInterval: Int64 = 10 * nanosPerSecond
    var backoff = BackoffPolicy()
    /// kubelet's containerLogMaxSize / containerLogMaxFiles defaults.
    var containerLogMaxSize: Int64 = 10 << 20
    var containerLogMaxFiles = 5
    /// kubelet's seccompDefault, on here: a container without a seccompProfile gets RuntimeDefault.
    var seccompDefault = true
    /// kubelet's resolvConf, clusterDNS and clusterDomain (pod DNS policies).
    var resolvConf = "/etc/resolv.conf"
    var clusterDNS: [String] = []
    var clusterDomain = "cluster.local"
    /// kubelet's allowedUnsafeSysctls: sysctls (or `prefix*` patterns) pods may set beyond the safe set.
    var sysctls = SysctlAllowlist.safeOnly
    /// The Pod Security Standard every manifest must meet (PodSecurity admission's levels).
    var podSecurity = PodSecurityLevel.privileged

    /// Reads `file` (a missing default file is fine; a missing named one is not) and applies
    /// `overrides` (flag name → value) on top.
    static func load(file: String, overrides: [String: String]) throws(SwkError) -> NodeSettings {
        var values: [String: String] = [:]
        if FS.exists(file) {
            let bytes = try FS.readBytes(file)
            do {
                let node = try YAMLParser().parseSingle(bytes)
                values = try YAMLDecoder().decode([String: String].self, from: node)
            } catch {
                throw SwkError(.invalidArgument, "\(file): \(error)")
            }
        } else if file != "/etc/swkube/config.yaml" {
            throw SwkError(.notFound, "config file \(file) does not exist")
        }
        values.merge(overrides) { _, flag in flag }
        var settings = NodeSettings()
        let here = FS.dirname(of: executablePath())
        settings.runtime = "\(here)/swkube-runc"
        settings.shim = "\(here)/swkube-shim"
        settings.pullHelper = "\(here)/swkube-pull"
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            try settings.set(key, value, source: overrides[key] != nil ? "the flags" : file)
        }
        return settings
    }

    private mutating func set(_ key: String, _ value: String, source: String) throws(SwkError) {
        switch key {
        case "pod-manifest-path": podManifestPath = FS.absolute(value)
        case "root-dir": rootDir = FS.absolute(value)
        case "run-dir": runDir = FS.absolute(value)
        case "pod-log-dir": podLogDir = FS.absolute(value)
        case "runtime": runtime = try resolveProgram(value)
        case "shim": shim = FS.absolute(value)
        case "cni-conf-dir": cniConfDir = value
        case "cni-bin-dir": cniBinDir = value
        case "registry-config": registryConfig = FS.absolute(value)
        case "sync-frequency": syncFrequency = try parseDuration(value, key)
        case "housekeeping-interval": housekeepingInterval = try parseDuration(value, key)
        case "backoff-initial": backoff.initial = try parseDuration(value, key)
        case "backoff-max": backoff.cap = try parseDuration(value, key)
        case "container-log-max-size":
            guard let q = try? Quantity.parse(value), q.value >= 0 else {
                throw SwkError(.invalidArgument, "\(key): invalid size \"\(value)\" in \(source) (use e.g. 10Mi, 0 to never rotate)")
            }
            containerLogMaxSize = q.value
        case "container-log-max-files":
            guard let n = Int(value), n >= 2 else {
                throw SwkError(.invalidArgument, "\(key): \"\(value)\" in \(source) must be a number of at least 2")
            }
            containerLogMaxFiles = n
        case "seccomp-default":
            guard let on = Bool(value) else {
                throw SwkError(.invalidArgument, "\(key): \"\(value)\" in \(source) must be true or false")
            }
            seccompDefault = on
        case "resolv-conf": resolvConf = value.isEmpty ? "" : FS.absolute(value)
        case "cluster-dns":
            clusterDNS = value.split(separator: ",").map { String($0).filter { $0 != " " } }
            for ip in clusterDNS where !isIPAddress(ip) {
                throw SwkError(.invalidArgument, "\(key): \"\(ip)\" in \(source) is not an IP address")
            }
        case "cluster-domain": clusterDomain = value
        case "allowed-unsafe-sysctls":
            let patterns = value.split(separator: ",").map { String($0).filter { $0 != " " } }.filter { !$0.isEmpty }
            do { sysctls = try SysctlAllowlist(allowedUnsafe: patterns) } catch { throw SwkError(.invalidArgument, "\(error.message) in \(source)") }
        case "pod-security":
            guard let level = PodSecurityLevel(rawValue: value) else {
                throw SwkError(.invalidArgument, "\(key): invalid value \"\(value)\" in \(source): must be one of privileged, baseline, restricted")
            }
            podSecurity = level
        default: throw SwkError(.invalidArgument, "unknown setting \"\(key)\" in \(source)")
        }
    }
}

/// `10s`, `1m30s`, `500ms`, `2h` → nanoseconds.
func parseDuration(_ text: String, _ key: String) throws(SwkError) -> Int64 {
    let units: [(String, Int64)] = [("ms", 1_000_000), ("s", nanosPerSecond), ("m", 60 * nanosPerSecond), ("h", 3600 * nanosPerSecond)]
    var total: Int64 = 0
    var rest = Substring(text)
    while !rest.isEmpty {
        let digits = rest.prefix { $0.isNumber }
        rest = rest.dropFirst(digits.count)
        guard let amount = Int64(digits),
              let (unit, scale) = units.first(where: { rest.hasPrefix($0.0) && !(($0.0 == "m") && rest.hasPrefix("ms")) })
        else {
            throw SwkError(.invalidArgument, "\(key): invalid duration \"\(text)\" (use e.g. 500ms, 10s, 1m30s)")
        }
        total += amount * scale
        rest = rest.dropFirst(unit.count)
    }
    guard total > 0 else { throw SwkError(.invalidArgument, "\(key): duration \"\(text)\" must be positive") }
    return total
}

/// A runtime given by name (`runc`) is looked up in PATH, as a shell would.
func resolveProgram(_ name: String) throws(SwkError) -> String {
    if name.contains("/") { return FS.absolute(name) }
    let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/sbin:/usr/bin:/sbin:/bin"
    for dir in path.split(separator: ":") where access("\(dir)/\(name)", X_OK) == 0 {
        return "\(dir)/\(name)"
    }
    throw SwkError(.notFound, "runtime \"\(name)\" not found in PATH")
}

func executablePath() -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard n > 0 else { return CommandLine.arguments[0] }
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
