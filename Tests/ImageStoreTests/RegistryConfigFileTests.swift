@testable import ImageStore
import SwkSupport
import Testing
import TestSupport

/// `/etc/swkube/registries.yaml` in k3s's format, decoded with SwkYAML.
struct RegistryConfigFileTests {
    @Test func k3sFileWithMirrorsAuthAndInsecure() throws {
        let text = """
            mirrors:
              docker.io:
                endpoint: ["mirror.local:5000", "https://backup.example/"]
            configs:
              mirror.local:5000:
                insecure: true
                auth: {auth: "dTpw"}
              registry.example:
                auth: {username: alice, password: "s3cret"}
                tls: {ca_file: /etc/ssl/ca.pem}
              token.example:
                auth: {identitytoken: abc}
            """
        let (config, warnings) = try RegistryConfig.parse(Array(text.utf8), file: "/etc/swkube/registries.yaml")
        #expect(config.endpoints(for: "docker.io") == ["http://mirror.local:5000", "https://backup.example", "https://registry-1.docker.io"])
        #expect(config.auth(for: "http://mirror.local:5000")?.basicCredentials == "u:p")
        #expect(config.auth(for: "https://registry.example")?.basicCredentials == "alice:s3cret")
        #expect(config.auth(for: "https://token.example")?.identitytoken == "abc")
        #expect(config.endpoints(for: "mirror.local:5000") == ["http://mirror.local:5000"])
        #expect(config.endpoints(for: "registry.example") == ["https://registry.example"])
        #expect(config.configs?[RegistryConfig.host(of: "https://registry.example/v2/")]?.tls == .init(caFile: "/etc/ssl/ca.pem"))
        #expect(config.configs?[RegistryConfig.host(of: "http://mirror.local:5000")]?.tls == nil)
        #expect(warnings.isEmpty)
    }

    @Test func errorsNameFileLineAndField() {
        let text = "configs:\n  r.example:\n    insecure: maybe\n"
        #expect {
            try RegistryConfig.parse(Array(text.utf8), file: "reg.yaml")
        } throws: { error in
            let e = error as? SwkError
            return e?.code == .invalidArgument && e?.message.hasPrefix("reg.yaml:3:15: configs[r.example].insecure") == true
        }
        #expect {
            try RegistryConfig.parse(Array("configs: {r: {auth: {auth: \"!!!\"}}}".utf8), file: "reg.yaml")
        } throws: { error in
            (error as? SwkError)?.message.contains("configs[r].auth.auth") == true
        }
    }

    @Test func unknownFieldsWarnAndEmptyOrMissingDefaultIsNoConfig() throws {
        let (config, warnings) = try RegistryConfig.parse(Array("mirrors:\n  a.example:\n    endpoint: [x]\n    rewrite: {}\n".utf8), file: "r.yaml")
        #expect(config.mirrors?["a.example"]?.endpoint == ["x"])
        #expect(warnings == ["r.yaml:4:5: mirrors[a.example].rewrite: unknown field, ignored"])
        #expect(try RegistryConfig.parse([], file: "r.yaml").config == RegistryConfig())
        let dir = try makeTempDir("regcfg")
        defer { cleanup(dir) }
        #expect(throws: SwkError.self) { try RegistryConfig.load(file: "\(dir)/missing.yaml") }
    }
}
