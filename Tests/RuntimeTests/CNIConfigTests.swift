import CRI
import Glibc
@testable import Runtime
import SwkSupport
import Testing
import TestSupport

/// CNI config loading and the stdin each plugin gets: files only, no root needed.
struct CNIConfigTests {
    func tempDir() throws -> String { try Harness.makeTempDir() }

    @Test func anEmptyConfDirGetsTheDefaultBridgeNetwork() throws {
        let dir = try tempDir()
        defer { try? FS.removeTree(dir) }
        let list = try CNIConfigFiles.loadOrInstallDefault(dir: "\(dir)/net.d")
        #expect(FS.exists("\(dir)/net.d/10-swkube.conflist"))
        #expect(list.name == "swkube")
        #expect(list.cniVersion == "1.0.0")
        #expect(list.plugins.map { $0["type"]?.string } == ["bridge", "portmap"])
        #expect(list.plugins[0]["bridge"]?.string == "swkube0")
        #expect(list.plugins[0]["ipam"]?["ranges"]?.array?.first?.array?.first?["subnet"]?.string == "10.85.0.0/16")
        // A second load reads the file; it does not rewrite it.
        #expect(try CNIConfigFiles.loadOrInstallDefault(dir: "\(dir)/net.d") == list)
    }

    @Test func onlySwkubesOwnNetworkWithoutIpMasqIsMasqueradedByTheNode() throws {
        func list(_ text: String, file: String) throws -> CNIConfigList {
            try CNIConfigList(document: JSONValue.parse(Array(text.utf8), file), file: file)
        }
        let own = try list(CNIConfigFiles.defaultList(subnet: "10.85.0.0/16"), file: "/etc/cni/net.d/10-swkube.conflist")
        #expect(own.plugins[0]["ipMasq"]?.bool == false)
        #expect(NodeMasquerade.subnets(of: own) == ["10.85.0.0/16"])
        // The same network in a file of the operator's is taken as written.
        let theirs = try list(CNIConfigFiles.defaultList(subnet: "10.85.0.0/16"), file: "/etc/cni/net.d/10-mine.conflist")
        #expect(NodeMasquerade.subnets(of: theirs).isEmpty)
        // ipMasq turned back on in swkube's file: the plugin does it, the node adds nothing.
        let pluginMasq = try list(#"{"cniVersion":"1.0.0","name":"swkube","plugins":[{"type":"bridge","ipMasq":true,"ipam":{"ranges":[[{"subnet":"10.85.0.0/16"}]]}}]}"#,
                                  file: "/etc/cni/net.d/10-swkube.conflist")
        #expect(NodeMasquerade.subnets(of: pluginMasq).isEmpty)
    }

    @Test func theFirstConfigByNameWinsAndASingleConfIsAListOfOne() throws {
        let dir = try tempDir()
        defer { try? FS.removeTree(dir) }
        try FS.writeAtomic("\(dir)/20-b.conflist", #"{"cniVersion":"0.4.0","name":"b","plugins":[{"type":"bridge"}]}"#)
        try FS.writeAtomic("\(dir)/10-a.conf", #"{"cniVersion":"0.4.0","name":"a","type":"ptp"}"#)
        try FS.writeAtomic("\(dir)/05-notes.txt", "not a config")
        let list = try #require(try CNIConfigFiles.load(dir: dir))
        #expect(list.name == "a")
        #expect(list.plugins.map { $0["type"]?.string } == ["ptp"])
        #expect(list.deleteGetsPrevResult)
    }

    @Test(arguments: [
        (#"{"cniVersion":"1.0.0","plugins":[{"type":"bridge"}]}"#, "no network name"),
        (#"{"cniVersion":"0.2.0","name":"n","plugins":[{"type":"bridge"}]}"#, "cniVersion \"0.2.0\" is not supported"),
        (#"{"cniVersion":"1.0.0","name":"n","plugins":[]}"#, "no plugins"),
        (#"{"cniVersion":"1.0.0","name":"n","plugins":[{"bridge":"x"}]}"#, "plugins[0] has no \"type\""),
        (#"{"cniVersion": "#, "is not valid JSON"),
    ])
    func badConfigsAreRejectedNamingTheFileAndField(text: String, message: String) throws {
        let dir = try tempDir()
        defer { try? FS.removeTree(dir) }
        try FS.writeAtomic("\(dir)/bad.conflist", text)
        let error = #expect(throws: SwkError.self) { try CNIConfigFiles.load(dir: dir) }
        #expect(error?.message.contains("\(dir)/bad.conflist") == true)
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test func pluginConfigCarriesNameVersionPrevResultAndPortMappings() throws {
        let list = try CNIConfigList(document: JSONValue.parse(Array(CNIConfigFiles.defaultList().utf8), "default"), file: "default")
        let network = CNINetwork(list: list, binDirs: ["/usr/lib/cni"])
        var a = CNIAttachment(containerID: "c1", netns: "/run/x/ns/net")
        var udp = PortMapping(containerPort: 53, hostPort: 5353)
        udp.protocol = "UDP"
        a.portMappings = [PortMapping(containerPort: 80, hostPort: 8080), udp]
        let prev = JSONValue.object([("cniVersion", .string("1.0.0")), ("ips", .array([]))])

        let bridge = network.pluginConfig(list.plugins[0], a, prevResult: nil)
        #expect(bridge["name"]?.string == "swkube")
        #expect(bridge["cniVersion"]?.string == "1.0.0")
        #expect(bridge["prevResult"] == nil)
        #expect(bridge["runtimeConfig"] == nil, "bridge declares no portMappings capability")

        let portmap = network.pluginConfig(list.plugins[1], a, prevResult: prev)
        #expect(portmap["prevResult"] == prev)
        let mappings = try #require(portmap["runtimeConfig"]?["portMappings"]?.array)
        #expect(mappings.map { $0["hostPort"] } == [.number("8080"), .number("5353")])
        #expect(mappings.map { $0["containerPort"] } == [.number("80"), .number("53")])
        #expect(mappings.map { $0["protocol"]?.string } == ["tcp", "udp"])

        a.portMappings = []
        #expect(network.pluginConfig(list.plugins[1], a, prevResult: prev)["runtimeConfig"] == nil)
    }

    @Test func thePodIPIsTheResultsFirstIPv4Address() throws {
        let result = try JSONValue.parse(Array(#"""
            {"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/x"}],
             "ips":[{"address":"fd00::5/64","interface":0},{"address":"10.85.0.7/16","gateway":"10.85.0.1","interface":0}]}
            """#.utf8), "result")
        #expect(CNINetwork.podIP(result) == "10.85.0.7")
        #expect(CNINetwork.podIP(.object([])) == "")
        let v6 = try JSONValue.parse(Array(#"{"ips":[{"address":"fd00::5/64"}]}"#.utf8), "result")
        #expect(CNINetwork.podIP(v6) == "fd00::5")
    }

    @Test func aPluginErrorIsItsMsgAndDetails() {
        let json = #"{"code":7,"msg":"failed to allocate","details":"range full"}"#
        #expect(CNINetwork.errorText(status: 1, stdout: json, stderr: "") == "failed to allocate: range full")
        #expect(CNINetwork.errorText(status: 2, stdout: "", stderr: "panic: boom\nstack") == "panic: boom; stack")
        #expect(CNINetwork.errorText(status: 3, stdout: "", stderr: "") == "exited with status 3")
    }
}
