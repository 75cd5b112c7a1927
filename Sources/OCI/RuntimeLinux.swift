/// `linux` of the runtime-spec config (config-linux.md). Names verbatim from the spec.
public struct Linux: Codable, Sendable, Equatable {
    public var namespaces: [LinuxNamespace]?
    public var uidMappings: [LinuxIDMapping]?
    public var gidMappings: [LinuxIDMapping]?
    public var devices: [LinuxDevice]?
    public var cgroupsPath: String?
    public var resources: LinuxResources?
    public var rootfsPropagation: String?
    public var seccomp: LinuxSeccomp?
    public var sysctl: [String: String]?
    public var maskedPaths: [String]?
    public var readonlyPaths: [String]?
    public var mountLabel: String?
    public var personality: LinuxPersonality?

    public init(namespaces: [LinuxNamespace]? = nil, cgroupsPath: String? = nil, resources: LinuxResources? = nil,
                maskedPaths: [String]? = nil, readonlyPaths: [String]? = nil) {
        self.namespaces = namespaces
        self.cgroupsPath = cgroupsPath
        self.resources = resources
        self.maskedPaths = maskedPaths
        self.readonlyPaths = readonlyPaths
    }
}

public struct LinuxNamespace: Codable, Sendable, Equatable {
    /// pid, network, mount, ipc, uts, user, cgroup, time.
    public var type: String
    public var path: String?

    public init(type: String, path: String? = nil) {
        self.type = type
        self.path = path
    }
}

public struct LinuxIDMapping: Codable, Sendable, Equatable {
    public var containerID: UInt32
    public var hostID: UInt32
    public var size: UInt32

    public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
        self.containerID = containerID
        self.hostID = hostID
        self.size = size
    }
}

public struct LinuxDevice: Codable, Sendable, Equatable {
    public var path: String
    /// c, u, b or p.
    public var type: String
    public var major: Int64?
    public var minor: Int64?
    public var fileMode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?

    public init(path: String, type: String, major: Int64? = nil, minor: Int64? = nil, fileMode: UInt32? = nil,
                uid: UInt32? = nil, gid: UInt32? = nil) {
        self.path = path
        self.type = type
        self.major = major
        self.minor = minor
        self.fileMode = fileMode
        self.uid = uid
        self.gid = gid
    }
}

public struct LinuxPersonality: Codable, Sendable, Equatable {
    public var domain: String
    public var flags: [String]?
}

public struct LinuxResources: Codable, Sendable, Equatable {
    public var devices: [LinuxDeviceCgroup]?
    public var memory: LinuxMemory?
    public var cpu: LinuxCPU?
    public var pids: LinuxPids?
    public var blockIO: LinuxBlockIO?
    public var hugepageLimits: [LinuxHugepageLimit]?
    public var network: LinuxNetwork?
    public var unified: [String: String]?

    public init(memory: LinuxMemory? = nil, cpu: LinuxCPU? = nil, pids: LinuxPids? = nil) {
        self.memory = memory
        self.cpu = cpu
        self.pids = pids
    }
}

public struct LinuxDeviceCgroup: Codable, Sendable, Equatable {
    public var allow: Bool
    public var type: String?
    public var major: Int64?
    public var minor: Int64?
    public var access: String?

    public init(allow: Bool, type: String? = nil, major: Int64? = nil, minor: Int64? = nil, access: String? = nil) {
        self.allow = allow
        self.type = type
        self.major = major
        self.minor = minor
        self.access = access
    }
}

public struct LinuxMemory: Codable, Sendable, Equatable {
    public var limit: Int64?
    public var reservation: Int64?
    public var swap: Int64?
    public var kernel: Int64?
    public var kernelTCP: Int64?
    public var swappiness: UInt64?
    public var disableOOMKiller: Bool?
    public var useHierarchy: Bool?
    public var checkBeforeUpdate: Bool?

    public init(limit: Int64? = nil, reservation: Int64? = nil, swap: Int64? = nil) {
        self.limit = limit
        self.reservation = reservation
        self.swap = swap
    }
}

public struct LinuxCPU: Codable, Sendable, Equatable {
    public var shares: UInt64?
    public var quota: Int64?
    public var burst: UInt64?
    public var period: UInt64?
    public var realtimeRuntime: Int64?
    public var realtimePeriod: UInt64?
    public var cpus: String?
    public var mems: String?
    public var idle: Int64?

    public init(shares: UInt64? = nil, quota: Int64? = nil, period: UInt64? = nil) {
        self.shares = shares
        self.quota = quota
        self.period = period
    }
}

public struct LinuxPids: Codable, Sendable, Equatable {
    public var limit: Int64

    public init(limit: Int64) { self.limit = limit }
}

public struct LinuxBlockIO: Codable, Sendable, Equatable {
    public var weight: UInt16?
    public var leafWeight: UInt16?
    public var weightDevice: [LinuxWeightDevice]?
    public var throttleReadBpsDevice: [LinuxThrottleDevice]?
    public var throttleWriteBpsDevice: [LinuxThrottleDevice]?
    public var throttleReadIOPSDevice: [LinuxThrottleDevice]?
    public var throttleWriteIOPSDevice: [LinuxThrottleDevice]?

    public init(weight: UInt16? = nil, leafWeight: UInt16? = nil, weightDevice: [LinuxWeightDevice]? = nil,
                throttleReadBpsDevice: [LinuxThrottleDevice]? = nil, throttleWriteBpsDevice: [LinuxThrottleDevice]? = nil,
                throttleReadIOPSDevice: [LinuxThrottleDevice]? = nil, throttleWriteIOPSDevice: [LinuxThrottleDevice]? = nil) {
        self.weight = weight; self.leafWeight = leafWeight; self.weightDevice = weightDevice
        self.throttleReadBpsDevice = throttleReadBpsDevice; self.throttleWriteBpsDevice = throttleWriteBpsDevice
        self.throttleReadIOPSDevice = throttleReadIOPSDevice; self.throttleWriteIOPSDevice = throttleWriteIOPSDevice
    }
}

public struct LinuxWeightDevice: Codable, Sendable, Equatable {
    public var major: Int64
    public var minor: Int64
    public var weight: UInt16?
    public var leafWeight: UInt16?

    public init(major: Int64, minor: Int64, weight: UInt16? = nil, leafWeight: UInt16? = nil) {
        self.major = major; self.minor = minor; self.weight = weight; self.leafWeight = leafWeight
    }
}

public struct LinuxThrottleDevice: Codable, Sendable, Equatable {
    public var major: Int64
    public var minor: Int64
    public var rate: UInt64

    public init(major: Int64, minor: Int64, rate: UInt64) {
        self.major = major; self.minor = minor; self.rate = rate
    }
}

public struct LinuxHugepageLimit: Codable, Sendable, Equatable {
    public var pageSize: String
    public var limit: UInt64

    public init(pageSize: String, limit: UInt64) {
        self.pageSize = pageSize
        self.limit = limit
    }
}

/// net_cls class id and net_prio priorities (cgroup v1 only).
public struct LinuxNetwork: Codable, Sendable, Equatable {
    public var classID: UInt32?
    public var priorities: [LinuxInterfacePriority]?

    public init(classID: UInt32? = nil, priorities: [LinuxInterfacePriority]? = nil) {
        self.classID = classID
        self.priorities = priorities
    }
}

public struct LinuxInterfacePriority: Codable, Sendable, Equatable {
    public var name: String
    public var priority: UInt32

    public init(name: String, priority: UInt32) {
        self.name = name
        self.priority = priority
    }
}

public struct LinuxSeccomp: Codable, Sendable, Equatable {
    public var defaultAction: String
    public var defaultErrnoRet: UInt32?
    public var architectures: [String]?
    public var flags: [String]?
    public var listenerPath: String?
    public var listenerMetadata: String?
    public var syscalls: [LinuxSyscall]?

    public init(defaultAction: String, syscalls: [LinuxSyscall]? = nil) {
        self.defaultAction = defaultAction
        self.syscalls = syscalls
    }
}

public struct LinuxSyscall: Codable, Sendable, Equatable {
    public var names: [String]
    public var action: String
    public var errnoRet: UInt32?
    public var args: [LinuxSeccompArg]?

    public init(names: [String], action: String, errnoRet: UInt32? = nil, args: [LinuxSeccompArg]? = nil) {
        self.names = names
        self.action = action
        self.errnoRet = errnoRet
        self.args = args
    }
}

public struct LinuxSeccompArg: Codable, Sendable, Equatable {
    public var index: UInt
    public var value: UInt64
    public var valueTwo: UInt64?
    public var op: String

    public init(index: UInt, value: UInt64, valueTwo: UInt64? = nil, op: String) {
        self.index = index; self.value = value; self.valueTwo = valueTwo; self.op = op
    }
}
