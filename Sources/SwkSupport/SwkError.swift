/// The one error shape of every swkube boundary (after containerd's errdefs classes and Apple
/// containerization's `ContainerizationError`): a class that callers branch on, a lowercase message
/// naming the object (file, field path, value, container id), and the error it wraps.
public struct SwkError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case invalidArgument = "invalid argument"
        case notFound = "not found"
        case alreadyExists = "already exists"
        case failedPrecondition = "failed precondition"
        case unavailable
        case system
        case `internal`
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// A failed system call: `what` names the step and the object, errno supplies the reason.
    public static func errno(_ what: String, _ err: Int32 = Glibc.errno) -> SwkError {
        SwkError(err == ENOENT ? .notFound : err == EEXIST ? .alreadyExists : .system,
                 "\(what): \(errnoText(err))")
    }

    /// Adds context as the error travels up: `"pull busybox: " + inner message`.
    public func context(_ prefix: String) -> SwkError {
        SwkError(code, "\(prefix): \(message)", cause: cause)
    }

    public var description: String {
        if let cause { return "\(message): \(cause)" }
        return message
    }
}

extension SwkError {
    /// Wraps any error with context, keeping an `SwkError`'s class.
    public static func wrap(_ error: any Error, _ prefix: String) -> SwkError {
        if let e = error as? SwkError { return e.context(prefix) }
        return SwkError(.internal, prefix, cause: error)
    }
}

#if canImport(Glibc)
import Glibc
#endif

public func errnoText(_ err: Int32) -> String {
    guard let s = strerror(err) else { return "errno \(err)" }
    return String(cString: s)
}
