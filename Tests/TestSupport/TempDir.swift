import Glibc
import SwkSupport

/// A new directory `/tmp/swkube-<tag>-XXXXXX`, for one test to remove.
public func makeTempDir(_ tag: String) throws -> String {
    var template = Array("/tmp/swkube-\(tag)-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw SwkError.errno("mkdtemp") }
    return String(cString: made)
}
