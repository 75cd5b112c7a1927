import Glibc
import SwkSupport

/// The node's state database (`<root-dir>/state.db`): what `swkubelet` last observed about each
/// pod, the events, the manifest errors and the daemon's heartbeat. The daemon is the only writer;
/// `swkubectl` opens it read-only and can read while the daemon writes (WAL journal), and still
/// reads the last state when the daemon is down.
///
/// Every write is one transaction, so a reader sees a pod's status before or after a transition,
/// never half of one; `transaction(_:)` groups several writes (a status change and its event) into
/// one. Single owner, not `Sendable`: the daemon wraps it in an actor.
public final class StateStore {
    /// Events kept per object (`pod/<name>` or `file/<path>`), newest by last timestamp.
    public static let eventHistoryLimit = 100
    /// Events kept in total, so objects that come and go cannot grow the table without bound.
    public static let eventTotalLimit = 10_000
    /// The daemon refreshes its heartbeat more often than this; an older one means it is not running.
    public static let heartbeatStaleAfterNanos: Int64 = 60 * 1_000_000_000

    /// `<rootDir>/state.db`.
    public static func databasePath(rootDir: String) -> String {
        rootDir.hasSuffix("/") ? "\(rootDir)state.db" : "\(rootDir)/state.db"
    }

    public let path: String
    public let isReadOnly: Bool
    let db: SQLiteConnection

    /// Opens the database. A writer creates the directories and the file and migrates the schema;
    /// a reader never creates anything and fails clearly when there is no state yet.
    public init(path: String, readOnly: Bool = false) throws(SwkError) {
        self.path = path
        isReadOnly = readOnly
        if readOnly {
            try Self.checkReadable(path)
        } else {
            try FS.makeDirectories(FS.dirname(of: path))
            try Self.restrictAccess(path)
        }
        db = try SQLiteConnection(path: path, readOnly: readOnly)
        // The -wal and -shm files stay when the daemon closes: a reader that may not create them
        // (group swkube, in a 0711 directory) still reads the last state while the daemon is down.
        if !readOnly { db.persistWAL() }
        try db.execute("PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON")
        if readOnly {
            try checkReaderVersion()
        } else {
            // WAL: readers never block the writer nor see a partial transaction. NORMAL sync is
            // durable across process crashes; a power cut may lose the last status, which the
            // daemon observes again at its next start.
            try db.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
            try Schema.migrate(db)
        }
    }

    /// state.db 0640, group `swkube` when the host has one (its members run swkubectl's read-only
    /// commands), else root's: status, events and errors name Secrets and pods. SQLite creates the
    /// -wal and -shm files with the database's mode and owner; existing ones are set here too.
    private static func restrictAccess(_ path: String) throws(SwkError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            if errno == EACCES || errno == EPERM { throw SwkError(.failedPrecondition, "permission denied opening \(path)") }
            throw .errno("create \(path)")
        }
        close(fd)
        let group = HostAccess.readerGroup()
        for file in [path, "\(path)-wal", "\(path)-shm"] {
            try HostAccess.file(file, mode: 0o640, group: group)
        }
    }

    private static func checkReadable(_ path: String) throws(SwkError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            close(fd)
            // A WAL reader needs the shared-memory index: the writer's `-shm` file, or the right
            // to create it. Without either SQLite only says "attempt to write a readonly database".
            let dir = FS.dirname(of: path)
            if !FS.exists("\(path)-shm") && faccessat(AT_FDCWD, dir, W_OK, AT_EACCESS) != 0 {
                throw SwkError(.failedPrecondition,
                               "permission denied reading \(path) while swkubelet is stopped: \(dir) is not writable (run as root)")
            }
            return
        }
        switch errno {
        case ENOENT, ENOTDIR:
            throw SwkError(.notFound, "no state at \(path): is swkubelet running?")
        case EACCES, EPERM:
            throw SwkError(.failedPrecondition, "permission denied reading \(path)")
        default:
            throw .errno("open \(path)")
        }
    }

    private func checkReaderVersion() throws(SwkError) {
        let version = try Schema.version(db)
        if version == 0 {
            throw SwkError(.notFound, "no state at \(path): is swkubelet running?")
        }
        if version > Schema.latestVersion {
            throw SwkError(.failedPrecondition,
                           "\(path): schema version \(version) is newer than this build knows (\(Schema.latestVersion)): upgrade swkube")
        }
        if version < Schema.latestVersion {
            throw SwkError(.failedPrecondition,
                           "\(path): schema version \(version) is older than this build's (\(Schema.latestVersion)): restart swkubelet to migrate it")
        }
    }

    /// Runs several writes as one transaction (nested calls join it as savepoints).
    public func transaction<T>(_ body: () throws(SwkError) -> T) throws(SwkError) -> T {
        try db.transaction(body)
    }

    // MARK: pods

    /// Writes the pod and all its containers, replacing what was stored, in one transaction.
    public func upsertPod(_ pod: PodRecord) throws(SwkError) {
        try db.transaction { () throws(SwkError) in
            let del = try db.statement("DELETE FROM pods WHERE uid = ?1 OR (namespace = ?2 AND name = ?3)")
            del.bind(.text(pod.uid), .text(pod.namespace), .text(pod.name))
            try del.run()
            let ins = try db.statement("""
                INSERT INTO pods (uid, namespace, name, manifest_path, phase, reason, message, pod_ip,
                                  created_at, start_time, spec_json, cgroup_path)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                """)
            ins.bind(.text(pod.uid), .text(pod.namespace), .text(pod.name), .text(pod.manifestPath),
                     .text(pod.phase.rawValue), .text(pod.reason), .text(pod.message), .text(pod.podIP),
                     .int(pod.createdAt), .int(pod.startTime), .text(pod.specJSON), .text(pod.cgroupPath))
            try ins.run()
            for (position, c) in pod.containers.enumerated() {
                try insert(c, podUID: pod.uid, position: position)
            }
        }
    }

    private func insert(_ c: ContainerRecord, podUID: String, position: Int) throws(SwkError) {
        let ins = try db.statement("""
            INSERT INTO containers (pod_uid, is_init, name, position, image, image_id, container_id,
                state, reason, message, exit_code, restart_count, ready, started_at, finished_at,
                last_exit_code, last_reason, last_finished_at, cgroup_path)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
            """)
        ins.bind(.text(podUID), .int(c.isInit ? 1 : 0), .text(c.name), .int(Int64(position)),
                 .text(c.image), .text(c.imageID), .text(c.containerID), .text(c.state.rawValue),
                 .text(c.reason), .text(c.message), .int(Int64(c.exitCode)), .int(Int64(c.restartCount)),
                 .int(c.ready ? 1 : 0), .int(c.startedAt), .int(c.finishedAt),
                 c.lastExitCode.map { .int(Int64($0)) } ?? .null, .text(c.lastReason), .int(c.lastFinishedAt),
                 .text(c.cgroupPath))
        do {
            try ins.run()
        } catch {
            throw error.context("pod \(podUID) container \(c.name)")
        }
    }

    /// Removes the pod and its containers (its events stay, bounded, as Kubernetes keeps them).
    public func deletePod(uid: String) throws(SwkError) {
        try db.transaction { () throws(SwkError) in
            let del = try db.statement("DELETE FROM pods WHERE uid = ?1")
            del.bind(.text(uid))
            try del.run()
        }
    }

    private static let podColumns = """
        SELECT uid, namespace, name, manifest_path, phase, reason, message, pod_ip, created_at,
               start_time, spec_json, cgroup_path FROM pods
        """

    /// All pods, sorted by namespace then name.
    public func pods() throws(SwkError) -> [PodRecord] {
        try db.transaction(write: false) { () throws(SwkError) in
            var pods: [PodRecord] = []
            let stmt = try db.statement("\(Self.podColumns) ORDER BY namespace, name")
            while try stmt.step() { pods.append(Self.pod(from: stmt)) }
            var containers = try containersByPod(uid: nil)
            for i in pods.indices {
                pods[i].containers = containers.removeValue(forKey: pods[i].uid) ?? []
            }
            return pods
        }
    }

    public func pod(namespace: String, name: String) throws(SwkError) -> PodRecord? {
        try db.transaction(write: false) { () throws(SwkError) -> PodRecord? in
            let stmt = try db.statement("\(Self.podColumns) WHERE namespace = ?1 AND name = ?2")
            stmt.bind(.text(namespace), .text(name))
            defer { stmt.reset() }
            guard try stmt.step() else { return nil }
            var pod = Self.pod(from: stmt)
            pod.containers = try containersByPod(uid: pod.uid)[pod.uid] ?? []
            return pod
        }
    }

    private static func pod(from s: Statement) -> PodRecord {
        var p = PodRecord(uid: s.text(0), namespace: s.text(1), name: s.text(2), manifestPath: s.text(3),
                          phase: PodPhase(rawValue: s.text(4)) ?? .unknown, createdAt: s.int(8))
        p.reason = s.text(5)
        p.message = s.text(6)
        p.podIP = s.text(7)
        p.startTime = s.int(9)
        p.specJSON = s.text(10)
        p.cgroupPath = s.text(11)
        return p
    }

    private func containersByPod(uid: String?) throws(SwkError) -> [String: [ContainerRecord]] {
        let stmt = try db.statement("""
            SELECT pod_uid, is_init, name, image, image_id, container_id, state, reason, message,
                   exit_code, restart_count, ready, started_at, finished_at, last_exit_code,
                   last_reason, last_finished_at, cgroup_path
            FROM containers WHERE ?1 IS NULL OR pod_uid = ?1 ORDER BY pod_uid, position
            """)
        stmt.bind(uid.map { .text($0) } ?? .null)
        var out: [String: [ContainerRecord]] = [:]
        while try stmt.step() {
            let stateText = stmt.text(6)
            guard let state = ContainerRecord.State(rawValue: stateText) else {
                throw SwkError(.internal, "\(path): container \(stmt.text(2)) has unknown state \"\(stateText)\"")
            }
            var c = ContainerRecord(name: stmt.text(2), image: stmt.text(3), state: state)
            c.isInit = stmt.int(1) != 0
            c.imageID = stmt.text(4)
            c.containerID = stmt.text(5)
            c.reason = stmt.text(7)
            c.message = stmt.text(8)
            c.exitCode = Int32(truncatingIfNeeded: stmt.int(9))
            c.restartCount = Int32(truncatingIfNeeded: stmt.int(10))
            c.ready = stmt.int(11) != 0
            c.startedAt = stmt.int(12)
            c.finishedAt = stmt.int(13)
            c.lastExitCode = stmt.optionalInt(14).map { Int32(truncatingIfNeeded: $0) }
            c.lastReason = stmt.text(15)
            c.lastFinishedAt = stmt.int(16)
            c.cgroupPath = stmt.text(17)
            out[stmt.text(0), default: []].append(c)
        }
        return out
    }
}
