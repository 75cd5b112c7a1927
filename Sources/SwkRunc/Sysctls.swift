import Glibc
import SwkSupport

/// runc's check of `linux.sysctl`: a sysctl is written only inside a namespace the container
/// does not share with the host — the IPC ones (`kernel.msg*`, `kernel.sem`, `kernel.shm*`,
/// `fs.mqueue.*`) need an ipc namespace, `net.*` a network namespace other than the runtime's,
/// `kernel.domainname` a uts namespace. Anything else would change the whole host.
enum Sysctls {
    static let ipc: Set<String> = [
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
        "kernel.shmmni", "kernel.shm_rmid_forced",
    ]

    static func check(_ sysctls: [String: String], _ ns: Namespaces.Plan) throws(SwkError) {
        for name in sysctls.keys.sorted() {
            let field = "config.json: linux.sysctl: \"\(name)\""
            if ipc.contains(name) || name.hasPrefix("fs.mqueue.") {
                guard separate("ipc", ns) else { throw SwkError(.invalidArgument, "\(field) is not allowed in the host's ipc namespace") }
            } else if name.hasPrefix("net.") {
                guard separate("network", ns) else { throw SwkError(.invalidArgument, "\(field) is not allowed in the host's network namespace") }
            } else if name == "kernel.domainname", separate("uts", ns) {
                continue
            } else if name == "kernel.hostname" {
                throw SwkError(.invalidArgument, "\(field): set the hostname field instead")
            } else {
                throw SwkError(.invalidArgument, "\(field) is not in a separate kernel namespace")
            }
        }
    }

    /// The container creates the namespace, or joins one that is not the runtime's own.
    private static func separate(_ type: String, _ ns: Namespaces.Plan) -> Bool {
        guard let kind = Namespaces.all.first(where: { $0.type == type }) else { return false }
        if ns.creates(type) { return true }
        guard let join = ns.joins.first(where: { $0.flag == kind.flag }) else { return false }
        var joined = stat(), own = stat()
        guard stat(join.path, &joined) == 0, stat("/proc/self/ns/\(kind.procName)", &own) == 0 else { return false }
        return joined.st_ino != own.st_ino || joined.st_dev != own.st_dev
    }
}
