import SwkSupport

/// The state database schema, as of the latest migration (times are Unix nanoseconds):
///
///     pods                      one row per pod the daemon knows; status written whole per transition
///     ├─ uid            TEXT PK  stable, derived from namespace/name
///     ├─ namespace, name TEXT    UNIQUE together
///     ├─ manifest_path  TEXT     the file it came from
///     ├─ phase, reason, message, pod_ip  TEXT
///     ├─ created_at, start_time  INTEGER
///     ├─ spec_json      TEXT     the Pod as declared, for `-o json|yaml` and describe
///     ├─ cgroup_path    TEXT     (v5) the pod's cgroup as the runtime named it, for `top`
///     └─ containers             ON DELETE CASCADE with the pod
///        ├─ pod_uid     TEXT FK → pods.uid   ┐ PK
///        ├─ is_init     INTEGER 0|1          │
///        ├─ name        TEXT                 ┘
///        ├─ position    INTEGER  order in the spec
///        ├─ image, image_id, container_id    TEXT
///        ├─ state       TEXT     waiting | running | terminated
///        ├─ reason, message TEXT; exit_code, restart_count, ready, started_at, finished_at INTEGER
///        ├─ last_exit_code INTEGER NULL (no previous run), last_reason TEXT, last_finished_at INTEGER
///        └─ cgroup_path TEXT     (v5) the container's cgroup as the runtime named it
///     events                    bounded history per object; repeats fold into count/last_timestamp
///     ├─ id             INTEGER PK AUTOINCREMENT
///     ├─ namespace, object TEXT  `pod/<name>` or `file/<path>`; indexed with type/reason/message
///     ├─ pod_uid        TEXT     '' for non-pod objects
///     ├─ type, reason, message   TEXT
///     └─ first_timestamp, last_timestamp, count  INTEGER
///     manifest_errors           replaced whole by each manifest scan
///     └─ file TEXT, line INTEGER, message TEXT, observed_at INTEGER
///     daemon                    (v2) a single row: the daemon's pid and last heartbeat
///     ├─ id INTEGER PK CHECK (id = 1), pid INTEGER, heartbeat_at INTEGER
///     └─ runtime, run_dir, pod_log_dir TEXT  (v3) where the daemon runs containers and writes
///                                            their logs, so `swkubectl logs|exec` need no flags
///     └─ pod_security TEXT       (v4) the Pod Security Standard the daemon enforces, so that
///                                `swkubectl apply` refuses what the daemon would
///     └─ runtime_root TEXT       (v5) the OCI runtime's state root (`--root`) the daemon chose,
///                                so that `swkubectl exec` finds the container where it is
///
/// `PRAGMA user_version` holds the number of migrations applied. Migrations are append-only: never
/// edit a shipped one, add the next.
enum Schema {
    static let migrations: [String] = [
        // 1: pods, containers, events, manifest errors.
        """
        CREATE TABLE pods (
            uid TEXT PRIMARY KEY NOT NULL,
            namespace TEXT NOT NULL,
            name TEXT NOT NULL,
            manifest_path TEXT NOT NULL,
            phase TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            message TEXT NOT NULL DEFAULT '',
            pod_ip TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL,
            start_time INTEGER NOT NULL DEFAULT 0,
            spec_json TEXT NOT NULL DEFAULT '',
            UNIQUE (namespace, name)
        );
        CREATE TABLE containers (
            pod_uid TEXT NOT NULL REFERENCES pods(uid) ON DELETE CASCADE,
            is_init INTEGER NOT NULL,
            name TEXT NOT NULL,
            position INTEGER NOT NULL,
            image TEXT NOT NULL,
            image_id TEXT NOT NULL DEFAULT '',
            container_id TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL CHECK (state IN ('waiting', 'running', 'terminated')),
            reason TEXT NOT NULL DEFAULT '',
            message TEXT NOT NULL DEFAULT '',
            exit_code INTEGER NOT NULL DEFAULT 0,
            restart_count INTEGER NOT NULL DEFAULT 0,
            ready INTEGER NOT NULL DEFAULT 0,
            started_at INTEGER NOT NULL DEFAULT 0,
            finished_at INTEGER NOT NULL DEFAULT 0,
            last_exit_code INTEGER,
            last_reason TEXT NOT NULL DEFAULT '',
            last_finished_at INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (pod_uid, is_init, name)
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            namespace TEXT NOT NULL,
            object TEXT NOT NULL,
            pod_uid TEXT NOT NULL DEFAULT '',
            type TEXT NOT NULL,
            reason TEXT NOT NULL,
            message TEXT NOT NULL,
            first_timestamp INTEGER NOT NULL,
            last_timestamp INTEGER NOT NULL,
            count INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX events_by_object ON events (namespace, object, type, reason, message);
        CREATE INDEX events_by_pod ON events (pod_uid);
        CREATE TABLE manifest_errors (
            file TEXT NOT NULL,
            line INTEGER NOT NULL,
            message TEXT NOT NULL,
            observed_at INTEGER NOT NULL
        );
        """,
        // 2: the daemon heartbeat, so the CLI can tell a stopped daemon from an idle one.
        """
        CREATE TABLE daemon (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            pid INTEGER NOT NULL,
            heartbeat_at INTEGER NOT NULL
        );
        """,
        // 3: the daemon's OCI runtime, run directory and pod log directory ('' = not reported).
        """
        ALTER TABLE daemon ADD COLUMN runtime TEXT NOT NULL DEFAULT '';
        ALTER TABLE daemon ADD COLUMN run_dir TEXT NOT NULL DEFAULT '';
        ALTER TABLE daemon ADD COLUMN pod_log_dir TEXT NOT NULL DEFAULT '';
        """,
        // 4: the enforced Pod Security Standard ('' = not reported).
        """
        ALTER TABLE daemon ADD COLUMN pod_security TEXT NOT NULL DEFAULT '';
        """,
        // 5: the runtime's state root and each pod's and container's cgroup ('' = not reported).
        """
        ALTER TABLE daemon ADD COLUMN runtime_root TEXT NOT NULL DEFAULT '';
        ALTER TABLE pods ADD COLUMN cgroup_path TEXT NOT NULL DEFAULT '';
        ALTER TABLE containers ADD COLUMN cgroup_path TEXT NOT NULL DEFAULT '';
        """,
    ]

    static var latestVersion: Int { migrations.count }

    static func version(_ db: SQLiteConnection) throws(SwkError) -> Int {
        let stmt = try db.statement("PRAGMA user_version")
        defer { stmt.reset() }
        guard try stmt.step() else { return 0 }
        return Int(stmt.int(0))
    }

    /// Applies the migrations after the database's version, each in its own transaction with its
    /// version bump, up to `target` (the latest by default; tests stop earlier to build old files).
    static func migrate(_ db: SQLiteConnection, to target: Int = latestVersion) throws(SwkError) {
        let current = try version(db)
        if current > latestVersion {
            throw SwkError(.failedPrecondition,
                           "\(db.path): schema version \(current) is newer than this build knows (\(latestVersion)): upgrade swkube")
        }
        guard current < target else { return }
        for v in current..<target {
            try db.transaction { () throws(SwkError) in
                try db.execute(migrations[v])
                try db.execute("PRAGMA user_version = \(v + 1)")
            }
        }
    }
}
