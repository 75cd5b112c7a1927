@testable import KubeCtl
import StateStore
import SwkSupport
import Testing

@Suite struct Age {
    @Test(arguments: [
        (-5 * second, "<invalid>"), (-1 * second, "0s"), (0, "0s"), (5 * second, "5s"), (119 * second, "119s"),
        (2 * minute, "2m"), (3 * minute + 2 * second, "3m2s"), (9 * minute + 59 * second, "9m59s"),
        (10 * minute + 30 * second, "10m"), (179 * minute, "179m"), (3 * hour, "3h"), (5 * hour + 3 * minute, "5h3m"),
        (8 * hour + 30 * minute, "8h"), (47 * hour, "47h"), (48 * hour, "2d"), (51 * hour, "2d3h"),
        (8 * 24 * hour, "8d"), (729 * 24 * hour, "729d"), (730 * 24 * hour, "2y"), (800 * 24 * hour, "2y70d"),
        (9 * 365 * 24 * hour, "9y"),
    ])
    func humanDuration(nanos: Int64, text: String) {
        #expect(TimeText.humanDuration(nanos: nanos) == text)
    }

    @Test func unsetTimestampIsUnknown() {
        #expect(TimeText.since(0, now: now) == "<unknown>")
    }
}

@Suite struct Timestamps {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"), (now, "2026-12-01T12:00:00Z"),
        (951_782_400 * second, "2000-02-29T00:00:00Z"), (-1 * second, "1969-12-31T23:59:59Z"),
    ])
    func rfc3339(t: Int64, text: String) {
        #expect(TimeText.rfc3339(t) == text)
    }

    @Test func rfc1123zAtAnOffset() {
        #expect(TimeText.rfc1123z(now, utcOffset: 0) == "Tue, 01 Dec 2026 12:00:00 +0000")
        #expect(TimeText.rfc1123z(now, utcOffset: -(5 * 3600 + 30 * 60)) == "Tue, 01 Dec 2026 06:30:00 -0530")
        #expect(TimeText.rfc1123z(now, utcOffset: 13 * 3600) == "Wed, 02 Dec 2026 01:00:00 +1300")
    }
}

/// STATUS/READY/RESTARTS as kubectl derives them; each case names the rule it checks.
@Suite struct StatusDerivation {
    typealias C = ContainerRecord
    static func c(_ state: C.State, _ reason: String = "", exit: Int32 = 0, ready: Bool = false,
                  initC: Bool = false, restarts: Int32 = 0, lastFinished: Int64 = 0) -> C {
        var r = C(name: "c", image: "i", state: state)
        r.reason = reason; r.exitCode = exit; r.ready = ready; r.isInit = initC
        r.restartCount = restarts; r.lastFinishedAt = lastFinished
        return r
    }

    static let cases: [(String, String, String, [C], String, String, String)] = [
        ("phase when nothing else is said", "Running", "", [c(.running, ready: true)], "1/1", "Running", "0"),
        ("pod reason wins over the phase", "Pending", "InvalidManifest", [], "0/0", "InvalidManifest", "0"),
        ("waiting reason", "Pending", "", [c(.waiting, "ContainerCreating")], "0/1", "ContainerCreating", "0"),
        ("crash loop with last restart age", "Running", "",
         [c(.waiting, "CrashLoopBackOff", restarts: 4, lastFinished: now - 75 * second)], "0/1", "CrashLoopBackOff", "4 (75s ago)"),
        ("terminated reason", "Succeeded", "", [c(.terminated, "Completed")], "0/1", "Completed", "0"),
        ("terminated without reason shows the exit code", "Failed", "", [c(.terminated, exit: 3)], "0/1", "ExitCode:3", "0"),
        ("OOMKilled", "Failed", "", [c(.terminated, "OOMKilled", exit: 137)], "0/1", "OOMKilled", "0"),
        ("first container's reason wins", "Running", "",
         [c(.waiting, "ErrImagePull"), c(.waiting, "CrashLoopBackOff")], "0/2", "ErrImagePull", "0"),
        ("restarts add up over containers", "Running", "",
         [c(.running, ready: true, restarts: 1), c(.running, ready: true, restarts: 2)], "2/2", "Running", "3"),
        ("running but not ready is not counted", "Running", "", [c(.running), c(.running, ready: true)], "1/2", "Running", "0"),
        ("Completed with a running sibling is NotReady", "Running", "",
         [c(.terminated, "Completed"), c(.running, ready: true)], "1/2", "NotReady", "0"),
        ("init container running", "Pending", "", [c(.running, initC: true), c(.waiting, "PodInitializing")], "0/1", "Init:0/1", "0"),
        ("second init container of two", "Pending", "",
         [c(.terminated, "Completed", initC: true), c(.waiting, initC: true), c(.waiting)], "0/1", "Init:1/2", "0"),
        ("init container failed", "Pending", "", [c(.terminated, "Error", exit: 1, initC: true), c(.waiting)], "0/1", "Init:Error", "0"),
        ("init container failed without reason", "Pending", "", [c(.terminated, exit: 2, initC: true), c(.waiting)], "0/1", "Init:ExitCode:2", "0"),
        ("init container crash loop counts its restarts", "Pending", "",
         [c(.waiting, "CrashLoopBackOff", initC: true, restarts: 3), c(.waiting)], "0/1", "Init:CrashLoopBackOff", "3"),
        ("done init containers do not count", "Running", "",
         [c(.terminated, "Completed", initC: true, restarts: 2), c(.running, ready: true)], "1/1", "Running", "0"),
    ]

    @Test(arguments: cases)
    func derive(_ c: (String, String, String, [C], String, String, String)) {
        var pod = PodRecord(uid: "u", namespace: "default", name: "p", manifestPath: "/m", phase: PodPhase(rawValue: c.1) ?? .unknown, createdAt: 1)
        pod.reason = c.2
        pod.containers = c.3
        let s = PodSummary(pod, now: now)
        #expect([s.ready, s.status, s.restarts] == [c.4, c.5, c.6], "\(c.0)")
    }
}

@Suite struct TabWriting {
    @Test func columnsAlignPerBlockOfLines() {
        let text = "a\tbb\tc\nlonger\tb\tc\nno tabs here\nx\ty\n"
        #expect(TabWriter.describe.format(text) == "a       bb  c\nlonger  b   c\nno tabs here\nx  y\n")
    }

    @Test func tableHasAMinimumWidthAndUnpaddedLastColumn() {
        #expect(TabWriter.table.format("A\tB\nxyz\tlong value\n") == "A     B\nxyz   long value\n")
    }
}

@Suite struct JSONAndYAML {
    @Test func parsesAndPrintsSorted() throws {
        let v = try JSONValue.parse(#" {"b": [1, 2.5e3, true, null], "a": {"s": "q\"\u00e9\n"}, "e": {}, "f": []} "#)
        #expect(v.jsonText() == """
            {
                "a": {
                    "s": "q\\"é\\n"
                },
                "b": [
                    1,
                    2.5e3,
                    true,
                    null
                ],
                "e": {},
                "f": []
            }

            """)
        #expect(v.yamlText() == """
            a:
              s: "q\\"é\\n"
            b:
            - 1
            - 2.5e3
            - true
            - null
            e: {}
            f: []

            """)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "01x", "[1] 2"])
    func rejectsInvalidJSON(text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(text) }
    }

    @Test(arguments: [
        ("busybox", "busybox"), ("64Mi", "64Mi"), ("10.88.0.2", "10.88.0.2"), ("-c", "-c"), ("a b", "a b"),
        ("", "\"\""), ("8080", "\"8080\""), ("-1", "\"-1\""), ("1.5", "\"1.5\""), ("0x1F", "\"0x1F\""),
        ("True", "\"True\""), ("no", "\"no\""), ("y", "\"y\""), ("null", "\"null\""), ("~", "\"~\""),
        ("2026-12-01T12:00:00Z", "\"2026-12-01T12:00:00Z\""), ("edge: yes", "'edge: yes'"), ("#tag", "'#tag'"),
        ("a #b", "'a #b'"), ("it's: x", "'it''s: x'"), ("- x", "'- x'"), ("*ref", "'*ref'"), ("key:", "'key:'"),
        ("two\nlines", "\"two\\nlines\""), ("echo hi; sleep 1", "echo hi; sleep 1"),
    ])
    func yamlScalarQuoting(input: String, output: String) {
        #expect(yamlScalar(input) == output)
    }

    @Test func nestedSequencesAndObjectsInSequences() throws {
        let v = try JSONValue.parse(#"{"m":[[1,2],{"k":[{"x":1,"w":2}]}]}"#)
        #expect(v.yamlText() == """
            m:
            - - 1
              - 2
            - k:
              - w: 2
                x: 1

            """)
    }
}

@Suite struct DidYouMean {
    @Test(arguments: [("web", "web", 0), ("wbe", "web", 2), ("", "abc", 3), ("kitten", "sitting", 3)])
    func editDistances(a: String, b: String, d: Int) {
        #expect(editDistance(a, b) == d)
    }
}
