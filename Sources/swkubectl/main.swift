import Glibc
import KubeCtl
import SwkSupport

let result = Swkubectl.execute(Array(CommandLine.arguments.dropFirst()), .system())
_ = Array(result.stdout.utf8).withUnsafeBytes { FS.writeAll(1, $0) }
_ = Array(result.stderr.utf8).withUnsafeBytes { FS.writeAll(2, $0) }
exit(result.exitCode)
