import Glibc
import KubeCtl
import SwkSupport

// A closed pipe (`swkubectl get pods -w | head`) fails the write, which ends a following command.
signal(SIGPIPE, SIG_IGN)
let arguments = Array(CommandLine.arguments.dropFirst())
if Swkubectl.verb(of: arguments) == "pull" {
    // Pulling needs the registry transport, which lives in swkube-pull beside this binary.
    let path = "\(Context.system().binDir)/swkube-pull"
    withCStrings([path] + arguments) { argv in _ = execv(path, argv) }
    _ = Array("error: cannot run \(path): \(errnoText(errno))\n".utf8).withUnsafeBytes { FS.writeAll(2, $0) }
    exit(1)
}
let result = Swkubectl.execute(arguments, Context.system())
_ = Array(result.stdout.utf8).withUnsafeBytes { FS.writeAll(1, $0) }
_ = Array(result.stderr.utf8).withUnsafeBytes { FS.writeAll(2, $0) }
exit(result.exitCode)
