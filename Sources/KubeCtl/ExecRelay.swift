import CSwkSys
import Glibc
import SwkSupport

/// `exec` without `-t`: the OCI runtime (and so the command) runs in a session of its own with
/// pipes for its standard streams, which we copy to and from ours, as kubectl's streams do. The
/// command never holds the operator's descriptors nor has the operator's terminal as its
/// controlling terminal, so neither `TIOCSTI` on fd 0–2 nor `open("/dev/tty")` reaches it.
/// Terminal signals come to us (the runtime is no longer in the foreground process group) and are
/// forwarded to the runtime, which passes them on to the command.
enum ExecRelay {
    static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    /// Runs `argv` and returns its exit status once it has exited and its output is copied.
    static func run(_ argv: [String], forwardInput: Bool, _ ctx: Context) throws(SwkError) -> Int32 {
        var opened: [Int32] = []
        defer { for fd in opened where fd >= 0 { close(fd) } }
        func makePipe() throws(SwkError) -> (read: Int32, write: Int32) {
            var p: [Int32] = [-1, -1]
            guard pipe(&p) == 0 else { throw .errno("create a pipe for exec") }
            opened += p
            for fd in p { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            return (p[0], p[1])
        }
        let out = try makePipe(), err = try makePipe()
        let input = forwardInput ? try makePipe() : nil

        // Our signals arrive on a pipe while the relay runs (in whichever thread the kernel
        // picks), then the previous actions come back.
        let signals = forwarded.withUnsafeBufferPointer { swk_signal_pipe($0.baseAddress, Int32($0.count)) }
        guard signals >= 0 else { throw .errno("catch signals for exec") }
        defer { swk_signal_pipe_end() }

        let pid = try Spawn.start(argv, stdin: input.map { .fd($0.read) } ?? .null,
                                  stdout: .fd(out.write), stderr: .fd(err.write), newSession: true)
        // Only the child holds these ends now: EOF on our side means every holder closed them.
        for fd in [out.write, err.write, input?.read ?? -1] where fd >= 0 {
            close(fd)
            opened.removeAll { $0 == fd }
        }
        // The relay owns our ends from here and closes each when its stream ends.
        opened.removeAll { $0 == out.read || $0 == err.read || $0 == input?.write }
        let exited = swk_pidfd_open(pid)
        if exited >= 0 { opened.append(exited) }
        var relay = Streams(stdout: (out.read, ctx.stdoutFD), stderr: (err.read, ctx.stderrFD),
                            input: input.map { (ctx.stdinFD, $0.write) })
        // A command that stops reading must not kill us with SIGPIPE: the write fails instead.
        let pipeHandler = signal(SIGPIPE, SIG_IGN)
        relay.copy(until: exited, forwarding: signals, to: pid)
        relay.closeAll()
        signal(SIGPIPE, pipeHandler)
        return try Spawn.wait(pid)
    }

    /// The copy loop's state: the streams still open, whose pipe ends it owns.
    struct Streams {
        var outputs: [(from: Int32, to: Int32)]
        var inputSource: Int32?
        var inputTarget: Int32?

        init(stdout: (Int32, Int32), stderr: (Int32, Int32), input: (Int32, Int32)?) {
            outputs = [stdout, stderr]
            inputSource = input?.0
            inputTarget = input?.1
        }

        /// Copies until the runtime has exited (`exited`, its pidfd; -1 on kernels without one)
        /// and what its command wrote is drained: a background child keeping the pipes open must
        /// not hold us, nor a command that closed its outputs stop our input and signals.
        mutating func copy(until exited: Int32, forwarding signals: Int32, to pid: pid_t) {
            var buf = [UInt8](repeating: 0, count: 65536)
            var runtimeGone = false
            while !outputs.isEmpty || (exited >= 0 && !runtimeGone) {
                var fds = outputs.map { pollfd(fd: $0.from, events: Int16(POLLIN), revents: 0) }
                fds.append(pollfd(fd: signals, events: Int16(POLLIN), revents: 0))
                fds.append(pollfd(fd: runtimeGone ? -1 : exited, events: Int16(POLLIN), revents: 0))
                fds.append(pollfd(fd: inputSource ?? -1, events: Int16(POLLIN), revents: 0))
                // Once the runtime is gone, only what is already in the pipes is copied.
                let n = poll(&fds, nfds_t(fds.count), runtimeGone ? 0 : -1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                let base = outputs.count
                if fds[base].revents != 0 { forwardPending(to: pid) }
                if fds[base + 1].revents != 0 { runtimeGone = true }
                if fds[base + 2].revents != 0 { copyInput(&buf) }
                var open: [(from: Int32, to: Int32)] = []
                for (i, stream) in outputs.enumerated() {
                    guard fds[i].revents != 0 else { open.append(stream); continue }
                    let got = buf.withUnsafeMutableBytes { read(stream.from, $0.baseAddress, $0.count) }
                    if got < 0 && errno == EINTR { open.append(stream); continue }
                    // At EOF, or when our side is gone (`| head`): closing the pipe gives the
                    // command EPIPE/SIGPIPE, as in a shell pipeline.
                    if got > 0, buf.withUnsafeBytes({ FS.writeAll(stream.to, UnsafeRawBufferPointer(rebasing: $0[0..<got])) }) {
                        open.append(stream)
                    } else {
                        close(stream.from)
                    }
                }
                outputs = open
            }
        }

        /// Our stdin to the command's; at our EOF (or when the command stops reading) its pipe
        /// is closed, so it sees EOF too.
        private mutating func copyInput(_ buf: inout [UInt8]) {
            guard let source = inputSource, let target = inputTarget else { return }
            let got = buf.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { return }
            if got > 0, buf.withUnsafeBytes({ FS.writeAll(target, UnsafeRawBufferPointer(rebasing: $0[0..<got])) }) { return }
            close(target)
            inputSource = nil
            inputTarget = nil
        }

        mutating func closeAll() {
            for stream in outputs { close(stream.from) }
            if let target = inputTarget { close(target) }
            outputs = []
            inputSource = nil
            inputTarget = nil
        }

        private func forwardPending(to pid: pid_t) {
            while case let sig = swk_signal_pipe_next(), sig > 0 { kill(pid, sig) }
        }
    }
}
