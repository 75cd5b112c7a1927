import StateStore
import SwkSupport

/// `swkubectl get events [-n NS | -A]`: kubectl's `LAST SEEN TYPE REASON OBJECT MESSAGE` table,
/// oldest first; a folded repeat reads `2m (x3 over 10m)`.
public struct GetEvents: Sendable {
    public var scope: NamespaceScope

    public init(scope: NamespaceScope = .init()) {
        self.scope = scope
    }

    public func run(_ paths: Paths, _ ctx: Context) throws(SwkError) -> Output {
        let store = try paths.openState()
        var out = Output()
        out.stderr = try daemonWarning(store, ctx) ?? ""
        let events = try store.events().filter { scope.contains($0.namespace) }
        if events.isEmpty {
            out.stderr += scope.noResources
            return out
        }
        var text = (scope.all ? "NAMESPACE\t" : "") + "LAST SEEN\tTYPE\tREASON\tOBJECT\tMESSAGE\n"
        for e in events {
            text += (scope.all ? "\(e.namespace)\t" : "")
                + "\(eventAge(e, now: ctx.now))\t\(e.type)\t\(e.reason)\t\(e.object)\t\(e.message.trimmingSpaces)\n"
        }
        out.stdout = TabWriter.table.format(text)
        return out
    }
}
