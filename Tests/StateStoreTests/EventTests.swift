@testable import StateStore
import SwkSupport
import Testing

private func event(_ reason: String, _ message: String = "msg", object: String = "pod/web", at: Int64) -> EventRecord {
    var e = EventRecord(type: "Normal", reason: reason, message: message, namespace: "default", object: object, timestamp: at)
    e.podUID = object == "pod/web" ? "uid-web" : ""
    return e
}

@Suite struct Events {
    @Test func repeatsFoldIntoCountAndLastTimestamp() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.db)
        try store.recordEvent(event("BackOff", at: 10))
        try store.recordEvent(event("Started", at: 15))
        try store.recordEvent(event("BackOff", at: 20))
        try store.recordEvent(event("BackOff", at: 30))
        try store.recordEvent(event("BackOff", "other message", at: 40))
        let events = try store.events(podUID: "uid-web")
        #expect(events.map(\.reason) == ["Started", "BackOff", "BackOff"])
        let folded = events[1]
        #expect(folded.count == 3 && folded.firstTimestamp == 10 && folded.lastTimestamp == 30)
        #expect(events[2].count == 1 && events[2].message == "other message")
    }

    @Test func filteredByPodUID() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.db)
        try store.recordEvent(event("Started", at: 1))
        try store.recordEvent(event("InvalidManifest", object: "file//p/x.yaml", at: 2))
        #expect(try store.events(podUID: "uid-web").map(\.reason) == ["Started"])
        #expect(try store.events().map(\.reason) == ["Started", "InvalidManifest"])
    }

    @Test func historyPerObjectKeepsTheNewest() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.db)
        try store.recordEvent(event("Other", object: "pod/keep", at: 0))
        let extra = 7
        for i in 0..<(StateStore.eventHistoryLimit + extra) {
            try store.recordEvent(event("R\(i)", at: Int64(i + 1)))
        }
        let web = try store.events().filter { $0.object == "pod/web" }
        #expect(web.count == StateStore.eventHistoryLimit)
        #expect(web.first?.reason == "R\(extra)")
        #expect(web.last?.reason == "R\(StateStore.eventHistoryLimit + extra - 1)")
        #expect(try store.events().contains { $0.object == "pod/keep" })
    }

    @Test func foldingRefreshesAnOldEventSoTrimmingKeepsIt() throws {
        let dir = try TempDir()
        let store = try StateStore(path: dir.db)
        try store.recordEvent(event("BackOff", at: 0))
        for i in 1..<StateStore.eventHistoryLimit {
            try store.recordEvent(event("R\(i)", at: Int64(i)))
        }
        try store.recordEvent(event("BackOff", at: 1_000))
        try store.recordEvent(event("Newest", at: 1_001))
        let web = try store.events()
        #expect(web.count == StateStore.eventHistoryLimit)
        #expect(web.contains { $0.reason == "BackOff" && $0.count == 2 })
        #expect(!web.contains { $0.reason == "R1" })
    }
}
