import Glibc
import SwkSupport

/// Outbound NAT for swkube's own pod network. The network swkube writes into an empty config
/// directory (`10-swkube.conflist`) leaves the bridge plugin's `ipMasq` off: that option costs
/// eight `iptables` runs per pod at start (a chain per container) and more at teardown. Instead
/// the node masquerades the whole pod subnet with one rule, once, as flannel does for k3s. The
/// rule is left in place when the daemon stops, so running pods keep their outbound traffic.
enum NodeMasquerade {
    /// The subnets to masquerade for `list`: those of its bridge plugins with `ipMasq` off, when
    /// the list is swkube's own file. Other networks are the operator's, taken as written.
    static func subnets(of list: CNIConfigList) -> [String] {
        guard FS.basename(of: list.file) == CNIConfigFiles.defaultFileName else { return [] }
        var subnets: [String] = []
        for plugin in list.plugins where plugin["type"]?.string == "bridge" && plugin["ipMasq"]?.bool != true {
            for range in plugin["ipam"]?["ranges"]?.array ?? [] {
                for entry in range.array ?? [] {
                    if let subnet = entry["subnet"]?.string, !subnet.contains(":") { subnets.append(subnet) }
                }
            }
        }
        return subnets
    }

    /// Adds `-s subnet ! -d subnet -j MASQUERADE` to nat/POSTROUTING unless it is there.
    static func ensure(subnet: String, network: String) async throws(SwkError) {
        let candidates: [String] = ["/usr/sbin/iptables", "/sbin/iptables", "/usr/bin/iptables"]
        guard let iptables = candidates.first(where: { access($0, X_OK) == 0 }) else {
            throw SwkError(.notFound, "masquerade pod network \(network) (\(subnet)): iptables not found")
        }
        let rule = ["POSTROUTING", "-s", subnet, "!", "-d", subnet, "-m", "comment", "--comment",
                    "swkube pod network \(network)", "-j", "MASQUERADE"]
        if try await Spawn.runAsync([iptables, "--wait", "-t", "nat", "-C"] + rule).status == 0 { return }
        let out = try await Spawn.runAsync([iptables, "--wait", "-t", "nat", "-A"] + rule)
        guard out.status == 0 else {
            throw SwkError(.system, "masquerade pod network \(network) (\(subnet)): iptables: \((out.stderr + out.stdout).split(separator: "\n").joined(separator: "; "))")
        }
    }
}
