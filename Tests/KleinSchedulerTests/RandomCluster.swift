import KleinOCI
@testable import KleinScheduler

/// SplitMix64: a small seeded generator, so a property failure can be replayed from its seed.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<bound.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }
}

/// Random clusters of mixed nodes (some down, draining, arm64, with GPUs) and random requests.
enum RandomCluster {
    static let amd64 = Platform(os: "linux", architecture: "amd64")
    static let arm64 = Platform(os: "linux", architecture: "arm64", variant: "v8")

    static func nodes(_ random: inout SplitMix64) -> [SchedulerNode] {
        (0..<random.below(30) + 1).map { index in
            let gpus = random.below(4) == 0 ? ["nvidia": (0..<random.below(4) + 1).map { "GPU-\($0)" }] : [:]
            return SchedulerNode(id: "node-\(index)", ready: random.below(10) != 0, draining: random.below(12) == 0,
                                 platform: random.below(5) == 0 ? arm64 : amd64,
                                 capacity: Resources(cpuMillis: Int64(random.below(16) + 1) * 1000, memory: Int64(random.below(64) + 1) << 30,
                                                     disk: Int64(random.below(200) + 1) << 30, pids: Int64(random.below(4096) + 64)),
                                 gpus: gpus, zone: "zone-\(random.below(4))")
        }
    }

    static func request(_ random: inout SplitMix64) -> PlacementRequest {
        let gpuCount = random.below(5) == 0 ? random.below(3) + 1 : 0
        return PlacementRequest(app: "app-\(random.below(3))", replicas: random.below(25) + 1,
                                resources: Resources(cpuMillis: Int64(random.below(4000) + 50), memory: Int64(random.below(8 << 10) + 64) << 20,
                                                     disk: Int64(random.below(20) + 1) << 30, pids: Int64(random.below(512) + 1)),
                                gpuKind: gpuCount > 0 ? "nvidia" : "", gpuCount: gpuCount,
                                platforms: random.below(4) == 0 ? [arm64] : random.below(2) == 0 ? [amd64, arm64] : [amd64])
    }
}
