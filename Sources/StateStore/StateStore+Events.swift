import SwkSupport

extension StateStore {
    // MARK: events

    /// Records an event. A repeat of an event already stored for the same object (same type,
    /// reason and message) folds into it: count grows and lastTimestamp moves, as Kubernetes'
    /// event correlator does. Then the object's history is trimmed to the newest
    /// `eventHistoryLimit` and the table to `eventTotalLimit`.
    public func recordEvent(_ e: EventRecord) throws(SwkError) {
        try db.transaction { () throws(SwkError) in
            let fold = try db.statement("""
                UPDATE events SET count = count + ?1, last_timestamp = max(last_timestamp, ?2), pod_uid = ?3
                WHERE namespace = ?4 AND object = ?5 AND type = ?6 AND reason = ?7 AND message = ?8
                """)
            fold.bind(.int(Int64(max(e.count, 1))), .int(e.lastTimestamp), .text(e.podUID),
                      .text(e.namespace), .text(e.object), .text(e.type), .text(e.reason), .text(e.message))
            try fold.run()
            if db.changes == 0 {
                let ins = try db.statement("""
                    INSERT INTO events (namespace, object, pod_uid, type, reason, message,
                                        first_timestamp, last_timestamp, count)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                    """)
                ins.bind(.text(e.namespace), .text(e.object), .text(e.podUID), .text(e.type), .text(e.reason),
                         .text(e.message), .int(e.firstTimestamp), .int(e.lastTimestamp), .int(Int64(max(e.count, 1))))
                try ins.run()
            }
            let trimObject = try db.statement("""
                DELETE FROM events WHERE namespace = ?1 AND object = ?2 AND id NOT IN (
                    SELECT id FROM events WHERE namespace = ?1 AND object = ?2
                    ORDER BY last_timestamp DESC, id DESC LIMIT ?3)
                """)
            trimObject.bind(.text(e.namespace), .text(e.object), .int(Int64(Self.eventHistoryLimit)))
            try trimObject.run()
            let trimAll = try db.statement("""
                DELETE FROM events WHERE id IN (
                    SELECT id FROM events ORDER BY last_timestamp DESC, id DESC LIMIT -1 OFFSET ?1)
                """)
            trimAll.bind(.int(Int64(Self.eventTotalLimit)))
            try trimAll.run()
        }
    }

    /// Events, oldest first by last timestamp; only the pod's when `podUID` is given.
    public func events(podUID: String? = nil) throws(SwkError) -> [EventRecord] {
        let stmt = try db.statement("""
            SELECT id, type, reason, message, namespace, object, pod_uid, first_timestamp,
                   last_timestamp, count
            FROM events WHERE ?1 IS NULL OR pod_uid = ?1 ORDER BY last_timestamp, id
            """)
        stmt.bind(podUID.map { .text($0) } ?? .null)
        var out: [EventRecord] = []
        while try stmt.step() {
            var e = EventRecord(type: stmt.text(1), reason: stmt.text(2), message: stmt.text(3),
                                namespace: stmt.text(4), object: stmt.text(5), timestamp: stmt.int(7))
            e.id = stmt.int(0)
            e.podUID = stmt.text(6)
            e.lastTimestamp = stmt.int(8)
            e.count = Int32(truncatingIfNeeded: stmt.int(9))
            out.append(e)
        }
        return out
    }

    // MARK: manifest errors

    /// Replaces the whole set (each manifest scan reports every error it found).
    public func replaceManifestErrors(_ errors: [ManifestErrorRecord]) throws(SwkError) {
        try db.transaction { () throws(SwkError) in
            try db.statement("DELETE FROM manifest_errors").run()
            let ins = try db.statement("INSERT INTO manifest_errors (file, line, message, observed_at) VALUES (?1, ?2, ?3, ?4)")
            for e in errors {
                ins.reset()
                ins.bind(.text(e.file), .int(Int64(e.line)), .text(e.message), .int(e.observedAt))
                try ins.run()
            }
        }
    }

    /// Sorted by file then line.
    public func manifestErrors() throws(SwkError) -> [ManifestErrorRecord] {
        let stmt = try db.statement("SELECT file, line, message, observed_at FROM manifest_errors ORDER BY file, line, rowid")
        var out: [ManifestErrorRecord] = []
        while try stmt.step() {
            out.append(ManifestErrorRecord(file: stmt.text(0), line: Int(stmt.int(1)), message: stmt.text(2),
                                           observedAt: stmt.int(3)))
        }
        return out
    }

    // MARK: daemon heartbeat

    /// Written periodically by `swkubelet` (more often than `heartbeatStaleAfterNanos`).
    public func setDaemonHeartbeat(pid: Int32, at: Int64) throws(SwkError) {
        try db.transaction { () throws(SwkError) in
            let stmt = try db.statement("""
                INSERT INTO daemon (id, pid, heartbeat_at) VALUES (1, ?1, ?2)
                ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, heartbeat_at = excluded.heartbeat_at
                """)
            stmt.bind(.int(Int64(pid)), .int(at))
            try stmt.run()
        }
    }

    /// The last heartbeat, or nil if the daemon never wrote one.
    public func daemonHeartbeat() throws(SwkError) -> (pid: Int32, at: Int64)? {
        let stmt = try db.statement("SELECT pid, heartbeat_at FROM daemon WHERE id = 1")
        defer { stmt.reset() }  // end the read now, not at the statement's next use
        guard try stmt.step() else { return nil }
        return (Int32(truncatingIfNeeded: stmt.int(0)), stmt.int(1))
    }
}
