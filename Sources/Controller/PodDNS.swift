import CRI
import KubeAPI

/// A pod's resolv.conf as kubelet forms it (pkg/kubelet/network/dns): the policy picks the base
/// (the node's resolv.conf, the cluster DNS, or nothing), then `dnsConfig` is merged in.
public struct PodDNS: Sendable, Equatable {
    /// The node's resolv.conf, parsed (kubelet's `--resolv-conf`); read for each sandbox, as
    /// kubelet does, so a DHCP change reaches the next pod.
    public var host: DNSConfig
    /// kubelet's `clusterDNS`: empty on a node without a cluster DNS server.
    public var clusterDNS: [String]
    public var clusterDomain: String

    public init(host: DNSConfig, clusterDNS: [String] = [], clusterDomain: String = "cluster.local") {
        self.host = host
        self.clusterDNS = clusterDNS
        self.clusterDomain = clusterDomain
    }

    /// kubelet's limits: more nameservers or search domains are dropped.
    static let maxNameservers = 3
    static let maxSearches = 32

    public func config(for pod: Pod) -> DNSConfig {
        var base: DNSConfig
        switch pod.spec.dnsPolicy {
        case .none:
            base = DNSConfig()
        case .default:
            base = host
        case .clusterFirstWithHostNet:
            base = clusterDNS.isEmpty ? host : cluster(pod)
        case .clusterFirst:
            // As kubelet: a hostNetwork pod, or a node without cluster DNS, falls back to Default.
            base = clusterDNS.isEmpty || pod.spec.hostNetwork ? host : cluster(pod)
        }
        guard let extra = pod.spec.dnsConfig else { return limited(base) }
        base.servers = unique(base.servers + extra.nameservers)
        base.searches = unique(base.searches + extra.searches)
        for option in extra.options {
            let text = option.value.map { "\(option.name):\($0)" } ?? option.name
            base.options.removeAll { Self.optionName($0) == option.name }
            base.options.append(text)
        }
        return limited(base)
    }

    private func cluster(_ pod: Pod) -> DNSConfig {
        let ns = pod.metadata.namespace
        return DNSConfig(servers: clusterDNS,
                         searches: unique(["\(ns).svc.\(clusterDomain)", "svc.\(clusterDomain)", clusterDomain] + host.searches),
                         options: ["ndots:5"])
    }

    private func limited(_ config: DNSConfig) -> DNSConfig {
        var c = config
        c.servers = Array(c.servers.prefix(Self.maxNameservers))
        c.searches = Array(c.searches.prefix(Self.maxSearches))
        return c
    }

    private func unique(_ items: [String]) -> [String] {
        var seen: Set<String> = []
        return items.filter { seen.insert($0).inserted }
    }

    static func optionName(_ option: String) -> Substring {
        option.prefix { $0 != ":" }
    }

    /// Parses resolv.conf text: `nameserver`, `search`/`domain` (the last one wins, as in libc),
    /// `options`; comments and other lines are ignored.
    public static func parseResolvConf(_ text: String) -> DNSConfig {
        var config = DNSConfig()
        for line in text.split(separator: "\n") {
            let words = line.prefix { $0 != "#" && $0 != ";" }.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let keyword = words.first else { continue }
            let rest = Array(words.dropFirst())
            switch keyword {
            case "nameserver": config.servers += rest.prefix(1)
            case "search", "domain": config.searches = rest
            case "options":
                for option in rest {
                    config.options.removeAll { optionName($0) == optionName(option) }
                    config.options.append(option)
                }
            default: continue
            }
        }
        return config
    }
}
