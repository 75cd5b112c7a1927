import CSwkSys
import Glibc
import SwkSupport

/// `exec -t`: the OCI runtime allocates the container's terminal and sends its master side over
/// a console socket we listen on (runc's `--console-socket` protocol); we then relay bytes
/// between our standard streams and the master, with our terminal in raw mode, and copy our
/// window size to it whenever it changes.
enum Console {
    /// How long to wait for the runtime to send the terminal.
    static let connectTimeoutMillis: Int32 = 10_000
    /// How often the window size is compared while idle (no SIGWINCH handler needed).
    static let resizeCheckMillis: Int32 = 200

    /// Runs `argv` + `--tty --console-socket S id command…` and returns its exit status.
    static func run(_ argv: [String], id: String, command: [String], forwardInput: Bool, _ ctx: Context) throws(SwkError) -> Int32 {
        var template = Array("/tmp/swkubectl-console-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw .errno("create console socket directory") }
        let dir = String(cString: made)
        let path = "\(dir)/console.sock"
        defer {
            unlink(path)
            rmdir(dir)
        }
        let listener = swk_listen_unix(path)
        guard listener >= 0 else { throw .errno("listen on console socket \(path)") }
        defer { close(listener) }
        return try withSignalsLeftToTheChild { () throws(SwkError) -> Int32 in
            let pid = try Spawn.start(argv + ["--tty", "--console-socket", path, id] + command,
                                      stdin: .null, stdout: .fd(ctx.stdoutFD), stderr: .fd(ctx.stderrFD))
            guard let master = try receiveMaster(listener, pid) else {
                return try Spawn.wait(pid)  // the runtime failed before sending it (and said why)
            }
            defer { close(master) }
            relay(master, forwardInput: forwardInput, ctx)
            return try Spawn.wait(pid)
        }
    }

    /// Accepts the runtime's connection and takes the terminal from it; nil if the runtime exits first.
    private static func receiveMaster(_ listener: Int32, _ pid: pid_t) throws(SwkError) -> Int32? {
        var waited: Int32 = 0
        while waited < connectTimeoutMillis {
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            let n = poll(&fds, 1, 100)
            if n < 0 && errno != EINTR { throw .errno("wait for the console socket") }
            if n > 0 {
                let conn = accept(listener, nil, nil)
                guard conn >= 0 else { throw .errno("accept on the console socket") }
                defer { close(conn) }
                let master = swk_recv_fd(conn)
                guard master >= 0 else { throw .errno("receive the terminal from the runtime") }
                return master
            }
            // Still running? (A peek: WNOWAIT leaves the status for Spawn.wait.)
            var info = siginfo_t()
            if waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info._sifields._sigchld.si_pid == pid {
                return nil
            }
            waited += 100
        }
        throw SwkError(.unavailable, "the runtime did not send the terminal within \(connectTimeoutMillis / 1000)s")
    }

    /// Copies stdin (with `-i`) → master and master → stdout until the terminal closes (every
    /// process on it has exited), with our terminal raw for the duration.
    private static func relay(_ master: Int32, forwardInput: Bool, _ ctx: Context) {
        let input = ctx.stdinFD
        let interactive = isatty(input) == 1
        var saved = termios()
        let makeRaw = interactive && forwardInput && tcgetattr(input, &saved) == 0
        if makeRaw {
            var raw = saved
            cfmakeraw(&raw)
            tcsetattr(input, TCSANOW, &raw)
        }
        defer { if makeRaw { tcsetattr(input, TCSANOW, &saved) } }
        var size: (UInt16, UInt16) = (0, 0)
        func syncSize() {
            var rows: UInt16 = 0, cols: UInt16 = 0
            guard interactive, swk_get_winsize(input, &rows, &cols) == 0, (rows, cols) != size else { return }
            size = (rows, cols)
            swk_set_winsize(master, rows, cols)
        }
        syncSize()
        var readingInput = forwardInput
        var buf = [UInt8](repeating: 0, count: 32768)
        while true {
            var fds = [pollfd(fd: master, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: readingInput ? input : -1, events: Int16(POLLIN), revents: 0)]
            let n = poll(&fds, 2, resizeCheckMillis)
            syncSize()
            if n < 0 && errno != EINTR { return }
            if n <= 0 { continue }
            if fds[0].revents != 0 {
                let got = buf.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
                if got < 0 && errno == EINTR { continue }
                // EIO: the last process holding the terminal is gone.
                if got <= 0 { return }
                _ = buf.withUnsafeBytes { FS.writeAll(ctx.stdoutFD, UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            }
            if fds[1].revents != 0 {
                let got = buf.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if got <= 0 {
                    // End of our input: the terminal's end-of-file character, as a typed ^D would.
                    readingInput = false
                    var eof: UInt8 = 4
                    _ = write(master, &eof, 1)
                    continue
                }
                _ = buf.withUnsafeBytes { FS.writeAll(master, UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            }
        }
    }
}
