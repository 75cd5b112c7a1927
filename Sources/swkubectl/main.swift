import Glibc
import KubeCtl
import SwkSupport

// A closed pipe (`swkubectl get pods -w | head`) fails the write, which ends a following command.
signal(SIGPIPE, SIG_IGN)
let result = Swkubectl.execute(Array(CommandLine.arguments.dropFirst()), .system())
_ = Array(result.stdout.utf8).withUnsafeBytes { FS.writeAll(1, $0) }
_ = Array(result.stderr.utf8).withUnsafeBytes { FS.writeAll(2, $0) }
exit(result.exitCode)
