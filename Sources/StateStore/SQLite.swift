import CSQLite
import Glibc
import SwkSupport

/// A minimal SQLite connection over the system libsqlite3 (module `CSQLite`).
///
/// Why not GRDB: `swkubectl` reads this database on every invocation, and GRDB imports real
/// Foundation (CoreFoundation + ICU, ~37 MB and ~3 ms more start-up, as measured when the CLI was written).
/// The store needs a dozen statements, so a thin wrapper keeps the CLI Foundation-free and fast to
/// start. Deliberately not `Sendable` (like SwiftPM's own SQLite wrapper): one owner per connection.
final class SQLiteConnection {
    private let db: OpaquePointer
    let path: String
    private var cache: [String: OpaquePointer] = [:]
    private var transactionDepth = 0

    init(path: String, readOnly: Bool) throws(SwkError) {
        self.path = path
        var handle: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let text = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            let sysErrno = handle.map { sqlite3_system_errno($0) } ?? 0
            sqlite3_close_v2(handle)
            if sysErrno == EACCES || sysErrno == EPERM {
                throw SwkError(.failedPrecondition, "permission denied opening \(path)")
            }
            throw SwkError(.unavailable, "open \(path): \(text)")
        }
        db = handle
        sqlite3_extended_result_codes(db, 1)
    }

    /// SQLITE_FCNTL_PERSIST_WAL: the last close keeps the -wal and -shm files.
    func persistWAL() {
        var on: Int32 = 1
        sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &on)
    }

    deinit {
        for stmt in cache.values { sqlite3_finalize(stmt) }
        sqlite3_close_v2(db)
    }

    /// Runs SQL without parameters or results (pragmas, DDL, transaction control).
    func execute(_ sql: String) throws(SwkError) {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let text = err.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(err)
            throw error(rc, "\(sql.prefix(60))", text)
        }
    }

    /// A prepared statement, compiled once per connection and reused (reset and rebound).
    func statement(_ sql: String) throws(SwkError) -> Statement {
        if let stmt = cache[sql] {
            let s = Statement(stmt: stmt, connection: self)
            s.reset()
            return s
        }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw error(rc, "prepare \(sql.prefix(60))", String(cString: sqlite3_errmsg(db)))
        }
        cache[sql] = stmt
        return Statement(stmt: stmt, connection: self)
    }

    /// Runs `body` in one transaction. A write transaction is `BEGIN IMMEDIATE` (take the write lock
    /// up front, so a busy database waits in busy_timeout instead of failing at the first write); a
    /// read is a deferred one (a consistent snapshot across several SELECTs). Nested calls become
    /// savepoints. Any thrown error rolls back.
    func transaction<T>(write: Bool = true, _ body: () throws(SwkError) -> T) throws(SwkError) -> T {
        let depth = transactionDepth
        try execute(depth > 0 ? "SAVEPOINT s\(depth)" : write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        do {
            let result = try body()
            try execute(depth == 0 ? "COMMIT" : "RELEASE s\(depth)")
            return result
        } catch {
            try? execute(depth == 0 ? "ROLLBACK" : "ROLLBACK TO s\(depth); RELEASE s\(depth)")
            throw error
        }
    }

    /// Rows changed by the last INSERT/UPDATE/DELETE.
    var changes: Int32 { sqlite3_changes(db) }

    func error(_ rc: Int32, _ what: String, _ text: String) -> SwkError {
        let code: SwkError.Code
        switch rc & 0xff {
        case SQLITE_BUSY, SQLITE_LOCKED: code = .unavailable
        case SQLITE_CONSTRAINT: code = .alreadyExists
        case SQLITE_READONLY, SQLITE_PERM, SQLITE_AUTH: code = .failedPrecondition
        default: code = .system
        }
        return SwkError(code, "\(path): \(what): \(text)")
    }

    func errorMessage() -> String { String(cString: sqlite3_errmsg(db)) }
}

/// A cached prepared statement. Bind by 1-based index, then `run()` or iterate with `step()`.
struct Statement {
    let stmt: OpaquePointer
    unowned let connection: SQLiteConnection

    /// Binds values to parameters 1…n in order.
    func bind(_ values: SQLValue...) {
        for (i, v) in values.enumerated() {
            let index = Int32(i + 1)
            switch v {
            case .text(let s): sqlite3_bind_text(stmt, index, s, -1, csqlite_transient())
            case .int(let n): sqlite3_bind_int64(stmt, index, n)
            case .null: sqlite3_bind_null(stmt, index)
            }
        }
    }

    /// Rewinds for another execution with new bindings.
    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    /// Advances to the next row; false when done.
    func step() throws(SwkError) -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let sql = sqlite3_sql(stmt).map { String(cString: $0) } ?? "statement"
        throw connection.error(rc, String(sql.prefix(60)), connection.errorMessage())
    }

    /// Executes a statement that returns no rows.
    func run() throws(SwkError) {
        while try step() {}
    }

    func text(_ column: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, column) else { return "" }
        return String(cString: p)
    }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(stmt, column) }

    func optionalInt(_ column: Int32) -> Int64? {
        sqlite3_column_type(stmt, column) == SQLITE_NULL ? nil : int(column)
    }
}

enum SQLValue {
    case text(String)
    case int(Int64)
    case null
}
