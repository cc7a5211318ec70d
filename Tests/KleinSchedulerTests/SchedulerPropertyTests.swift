import KleinOCI
@testable import KleinScheduler
import Testing

/// Properties of the pure scheduler over thousands of random clusters (seeded, so a failure names the
/// cluster that shows it).
struct SchedulerPropertyTests {
    static let clusters = 2_000

    /// Never more in use on a node than it has, GPU devices never shared and always the node's own,
    /// and every replica on a node that is ready, not draining and runs the image's platform.
    @Test func neverOverCommitsAndPlacesOnlyOnFeasibleNodes() {
        for seed in 0..<UInt64(Self.clusters) {
            var random = SplitMix64(seed: seed)
            let nodes = RandomCluster.nodes(&random)
            var allocations: [Allocation] = []
            for _ in 0..<random.below(6) + 1 {
                let request = RandomCluster.request(&random)
                let result = Scheduler.place(request, on: nodes, existing: allocations)
                #expect(result.placements.count + result.unplaced == request.replicas, "seed \(seed)")
                for placement in result.placements {
                    let node = nodes.first { $0.id == placement.node }!
                    #expect(node.ready && !node.draining && request.platforms.contains { node.platform.matches($0) }, "seed \(seed): \(placement)")
                    #expect(placement.gpuDevices.count == request.gpuCount, "seed \(seed)")
                }
                allocations += result.placements
            }
            for node in nodes {
                let here = allocations.filter { $0.node == node.id }
                let total = here.reduce(Resources()) { $0 + $1.resources }
                #expect(total.cpuMillis <= node.capacity.cpuMillis && total.memory <= node.capacity.memory
                        && total.disk <= node.capacity.disk && total.pids <= node.capacity.pids, "seed \(seed): \(node.id) holds \(total) of \(node.capacity)")
                let devices = here.flatMap { allocation in allocation.gpuDevices.map { "\(allocation.gpuKind)/\($0)" } }
                #expect(Set(devices).count == devices.count, "seed \(seed): a GPU is shared on \(node.id)")
                for allocation in here {
                    #expect(Set(allocation.gpuDevices).isSubset(of: node.gpus[allocation.gpuKind] ?? []), "seed \(seed)")
                }
            }
        }
    }

    /// The same input gives the same output, and the order the nodes are listed in does not matter.
    @Test func deterministicAndIndependentOfNodeOrder() {
        for seed in 0..<UInt64(Self.clusters) {
            var random = SplitMix64(seed: seed)
            let nodes = RandomCluster.nodes(&random)
            let request = RandomCluster.request(&random)
            let first = Scheduler.place(request, on: nodes, existing: [])
            #expect(Scheduler.place(request, on: nodes, existing: []) == first, "seed \(seed)")
            let reversed = Scheduler.place(request, on: nodes.reversed(), existing: [])
            #expect(reversed.placements == first.placements && reversed.unplaced == first.unplaced, "seed \(seed)")
        }
    }

    /// Every node is accounted for: feasible, or rejected under exactly one reason; nothing placed
    /// means nothing was feasible.
    @Test func explanationsAccountForEveryNode() {
        for seed in 0..<UInt64(Self.clusters) {
            var random = SplitMix64(seed: seed)
            let nodes = RandomCluster.nodes(&random)
            let request = RandomCluster.request(&random)
            let result = Scheduler.place(request, on: nodes, existing: [])
            let explanation = result.explanation
            #expect(explanation.evaluated == nodes.count, "seed \(seed)")
            #expect(explanation.feasible + explanation.filtered.values.reduce(0, +) == nodes.count, "seed \(seed): \(explanation)")
            if result.unplaced > 0 { #expect(explanation.feasible == 0, "seed \(seed): \(explanation)") }
        }
    }

    /// With room everywhere, an app's replicas are spread evenly over the zones: counts differ by at most one.
    @Test func replicasSpreadAcrossZonesWhenCapacityAllows() {
        for seed in 0..<UInt64(Self.clusters / 4) {
            var random = SplitMix64(seed: seed)
            let zones = random.below(5) + 1
            let nodes = (0..<random.below(20) + zones).map { index in
                SchedulerNode(id: "n\(index)", platform: RandomCluster.amd64, capacity: Resources(cpuMillis: 1_000_000, memory: 1 << 40, disk: 1 << 40, pids: 1 << 20),
                              zone: "z\(index % zones)")
            }
            let replicas = random.below(40) + 1
            let result = Scheduler.place(PlacementRequest(app: "web", replicas: replicas, resources: Resources(cpuMillis: 100, memory: 1 << 20), platforms: [RandomCluster.amd64]),
                                         on: nodes, existing: [])
            var perZone: [String: Int] = [:]
            for placement in result.placements { perZone[nodes.first { $0.id == placement.node }!.zone, default: 0] += 1 }
            let counts = (0..<zones).map { perZone["z\($0)"] ?? 0 }
            #expect(result.unplaced == 0 && counts.max()! - counts.min()! <= 1, "seed \(seed): \(counts)")
        }
    }

    /// Between nodes alike in all else, the one holding more of the image's layer bytes is chosen.
    @Test func localityBreaksOtherwiseEqualScores() {
        for seed in 0..<UInt64(Self.clusters / 4) {
            var random = SplitMix64(seed: seed)
            let layers = (0..<random.below(4) + 1).map { (Digest.of(Array("layer \(seed) \($0)".utf8)), Int64(random.below(1 << 20) + 1)) }
            let held = Dictionary(uniqueKeysWithValues: Array(layers.prefix(random.below(layers.count) + 1)))
            let capacity = Resources(cpuMillis: 8000, memory: 16 << 30, disk: 100 << 30, pids: 4096)
            // The node holding the layers sorts after the other, so the id tie-break cannot be what picks it.
            let nodes = [SchedulerNode(id: "a", platform: RandomCluster.amd64, capacity: capacity),
                         SchedulerNode(id: "b", platform: RandomCluster.amd64, capacity: capacity, blobs: held)]
            let request = PlacementRequest(app: "web", replicas: 1, resources: Resources(cpuMillis: 500, memory: 1 << 30), platforms: [RandomCluster.amd64],
                                           layers: Dictionary(uniqueKeysWithValues: layers))
            #expect(Scheduler.place(request, on: nodes, existing: []).placements.map(\.node) == ["b"], "seed \(seed)")
        }
    }

    @Test func explanationReadsLikeNomads() {
        let explanation = PlacementExplanation(evaluated: 5, feasible: 0, filtered: ["memory exhausted": 3, "no nvidia GPU": 2])
        #expect(explanation.description == "5 nodes evaluated, 0 feasible: 3 nodes: memory exhausted; 2 nodes: no nvidia GPU")
    }
}
