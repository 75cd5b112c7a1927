import Glibc
import KubeCtl
import RegistryHTTP
import SwkSupport

// swkubectl with the registry transport linked in: `swkubectl pull …` execs this binary with the
// same arguments, so the other commands keep swkubectl's start-up free of NIO and BoringSSL.
signal(SIGPIPE, SIG_IGN)
var context = Context.system()
context.makeRegistryTransport = { (config, file) throws(SwkError) in try HTTPClientTransport(config: config, configFile: file) }
let result = Swkubectl.execute(Array(CommandLine.arguments.dropFirst()), context)
_ = Array(result.stdout.utf8).withUnsafeBytes { FS.writeAll(1, $0) }
_ = Array(result.stderr.utf8).withUnsafeBytes { FS.writeAll(2, $0) }
exit(result.exitCode)
