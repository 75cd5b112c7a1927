import Controller
import Glibc
import Logging
import StateStore
import SwkSupport
import TestSupport

/// A controller wired to the recording fake runtime, a test clock and a real state database in
/// its own temp directory: what the controller suites share.
struct ControllerFixture {
    let clock = TestClock()
    let runtime: FakeRuntime
    /// The reading side of the database (the controller writes through its own connection).
    let store: StateStore
    let controller: NodeController
    let dir: String

    init() throws {
        runtime = FakeRuntime(clock: clock)
        dir = try makeTempDir("ctl")
        store = try StateStore(path: "\(dir)/state.db")
        controller = try Self.makeController(runtime: runtime, clock: clock, dir: dir)
    }

    /// Another controller on the same runtime and database: the daemon after a restart.
    static func makeController(runtime: FakeRuntime, clock: TestClock, dir: String) throws -> NodeController {
        NodeController(runtime: runtime, images: runtime, status: try StatusWriter(store: try StateStore(path: "\(dir)/state.db")),
                       clock: clock, builder: RuntimeConfigBuilder(podLogDir: "\(dir)/logs", node: Self.node),
                       logger: Logger(label: "test"))
    }

    static let node = EnvironmentBuilder.NodeFacts(nodeName: "node1", cpuCores: 2, memoryBytes: 1 << 30)
}


/// A test suite built on a `ControllerFixture`: its parts by their short names.
protocol ControllerFixtureTest {
    var fixture: ControllerFixture { get }
}

extension ControllerFixtureTest {
    var clock: TestClock { fixture.clock }
    var runtime: FakeRuntime { fixture.runtime }
    var store: StateStore { fixture.store }
    var controller: NodeController { fixture.controller }
    var dir: String { fixture.dir }
}

/// Yields (never sleeps) until `condition` holds, a bounded number of times.
func eventually(_ condition: () async throws -> Bool) async rethrows -> Bool {
    for _ in 0..<20_000 {
        if try await condition() { return true }
        await Task.yield()
    }
    return try await condition()
}
