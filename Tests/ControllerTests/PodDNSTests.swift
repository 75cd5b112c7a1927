import CRI
@testable import Controller
import KubeAPI
import Testing

/// Pod DNS as kubelet forms it: the policy's base, then dnsConfig merged in.
struct PodDNSTests {
    let host = PodDNS.parseResolvConf("""
        # written by DHCP
        nameserver 10.0.0.1
        nameserver 10.0.0.2 ; second
        domain ignored.example
        search lan example.org
        options ndots:1 timeout:2
        options ndots:3
        sortlist 10.0.0.0/8

        """)

    func pod(_ policy: DNSPolicy, hostNetwork: Bool = false, _ extra: PodDNSConfig? = nil) -> Pod {
        var p = Pod(metadata: ObjectMeta(name: "web", namespace: "shop"), spec: PodSpec(containers: [Container(name: "c", image: "i")]))
        p.spec.dnsPolicy = policy
        p.spec.hostNetwork = hostNetwork
        p.spec.dnsConfig = extra
        return p
    }

    @Test func theNodesResolvConfIsParsedAsLibcReadsIt() {
        #expect(host == DNSConfig(servers: ["10.0.0.1", "10.0.0.2"], searches: ["lan", "example.org"],
                                  options: ["timeout:2", "ndots:3"]))
    }

    @Test func defaultAndClusterFirstWithoutClusterDNSUseTheNodesFile() {
        let dns = PodDNS(host: host)
        #expect(dns.config(for: pod(.default)) == host)
        #expect(dns.config(for: pod(.clusterFirst)) == host)
        #expect(dns.config(for: pod(.clusterFirstWithHostNet, hostNetwork: true)) == host)
    }

    @Test func clusterFirstUsesTheClusterServerAndSearchPaths() {
        let dns = PodDNS(host: host, clusterDNS: ["10.43.0.10"], clusterDomain: "edge.local")
        let expected = DNSConfig(servers: ["10.43.0.10"],
                                 searches: ["shop.svc.edge.local", "svc.edge.local", "edge.local", "lan", "example.org"],
                                 options: ["ndots:5"])
        #expect(dns.config(for: pod(.clusterFirst)) == expected)
        // hostNetwork: ClusterFirst falls back to Default; ClusterFirstWithHostNet keeps the cluster.
        #expect(dns.config(for: pod(.clusterFirst, hostNetwork: true)) == host)
        #expect(dns.config(for: pod(.clusterFirstWithHostNet, hostNetwork: true)) == expected)
    }

    @Test func noneIsExactlyTheDNSConfig() {
        var extra = PodDNSConfig()
        extra.nameservers = ["192.0.2.53"]
        extra.searches = ["edge.example"]
        extra.options = [PodDNSConfigOption(name: "ndots", value: "2"), PodDNSConfigOption(name: "edns0")]
        #expect(PodDNS(host: host).config(for: pod(.none, extra)) ==
                DNSConfig(servers: ["192.0.2.53"], searches: ["edge.example"], options: ["ndots:2", "edns0"]))
    }

    @Test func dnsConfigIsMergedIntoTheBaseWithKubeletsLimits() {
        var extra = PodDNSConfig()
        extra.nameservers = ["10.0.0.2", "192.0.2.1", "192.0.2.2"]
        extra.searches = ["lan", "extra.example"]
        extra.options = [PodDNSConfigOption(name: "ndots", value: "1")]
        let merged = PodDNS(host: host).config(for: pod(.default, extra))
        // Duplicates dropped, then at most three nameservers; a pod option replaces the node's.
        #expect(merged.servers == ["10.0.0.1", "10.0.0.2", "192.0.2.1"])
        #expect(merged.searches == ["lan", "example.org", "extra.example"])
        #expect(merged.options == ["timeout:2", "ndots:1"])
    }
}
