import Glibc
import KubeCtl
import RegistryHTTP
import SwkSupport

// A closed pipe (`swkubectl get pods -w | head`) fails the write, which ends a following command.
signal(SIGPIPE, SIG_IGN)
var context = Context.system()
context.registryTransport = URLSessionTransport()
let result = Swkubectl.execute(Array(CommandLine.arguments.dropFirst()), context)
_ = Array(result.stdout.utf8).withUnsafeBytes { FS.writeAll(1, $0) }
_ = Array(result.stderr.utf8).withUnsafeBytes { FS.writeAll(2, $0) }
exit(result.exitCode)
