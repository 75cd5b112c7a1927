import SwkSupport

/// Where the running daemon keeps what the CLI reaches directly: the OCI runtime binary, its run
/// directory and state root (`exec`) and the pod log tree (`logs`). Empty strings mean "not reported".
public struct DaemonSettings: Sendable, Equatable {
    public var runtime: String
    public var runDir: String
    public var podLogDir: String
    /// `privileged`, `baseline` or `restricted`.
    public var podSecurity: String
    /// The runtime's `--root` (its container state), which the daemon chose below `runDir`.
    public var runtimeRoot: String

    public init(runtime: String = "", runDir: String = "", podLogDir: String = "", podSecurity: String = "",
                runtimeRoot: String = "") {
        self.runtime = runtime
        self.runDir = runDir
        self.podLogDir = podLogDir
        self.podSecurity = podSecurity
        self.runtimeRoot = runtimeRoot
    }
}

extension StateStore {
    /// Recorded by `swkubelet` at start-up, together with a first heartbeat.
    public func setDaemonSettings(_ settings: DaemonSettings, pid: Int32, at: Int64) throws(SwkError) {
        try db.transaction { () throws(SwkError) in
            let stmt = try db.statement("""
                INSERT INTO daemon (id, pid, heartbeat_at, runtime, run_dir, pod_log_dir, pod_security, runtime_root)
                VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
                ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, heartbeat_at = excluded.heartbeat_at,
                    runtime = excluded.runtime, run_dir = excluded.run_dir, pod_log_dir = excluded.pod_log_dir,
                    pod_security = excluded.pod_security, runtime_root = excluded.runtime_root
                """)
            stmt.bind(.int(Int64(pid)), .int(at), .text(settings.runtime), .text(settings.runDir), .text(settings.podLogDir),
                      .text(settings.podSecurity), .text(settings.runtimeRoot))
            try stmt.run()
        }
    }

    /// What the daemon last reported, or nil if it never wrote its row.
    public func daemonSettings() throws(SwkError) -> DaemonSettings? {
        let stmt = try db.statement("SELECT runtime, run_dir, pod_log_dir, pod_security, runtime_root FROM daemon WHERE id = 1")
        defer { stmt.reset() }
        guard try stmt.step() else { return nil }
        return DaemonSettings(runtime: stmt.text(0), runDir: stmt.text(1), podLogDir: stmt.text(2), podSecurity: stmt.text(3),
                              runtimeRoot: stmt.text(4))
    }
}
