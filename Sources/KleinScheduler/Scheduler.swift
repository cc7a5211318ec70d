import Foundation
import KleinOCI

/// Placement as a pure function: (nodes, current allocations, request) → new allocations, and why
/// the rest could not be placed. No I/O and no clock: the same input gives the same output.
///
/// Each replica is placed in turn, against what the earlier ones took. A node is feasible when it is
/// ready, not draining, runs one of the image's platforms, and has the free resources and free GPUs
/// of the requested kind (specific devices are allocated, never shared). Among feasible nodes the
/// replica goes to a zone holding the fewest of the app's replicas (so replicas spread across zones
/// whenever capacity allows), then to the best score: Nomad's bin-packing score, minus the app's
/// replicas already on the node, plus the share of the image's layer bytes the node holds; equal
/// scores go to the smaller node id.
public enum Scheduler {
    /// Places `request.replicas` replicas; `result.unplaced` says how many found no node, and
    /// `result.explanation` why, for the last replica tried.
    public static func place(_ request: PlacementRequest, on nodes: [SchedulerNode], existing: [Allocation]) -> PlacementResult {
        var state = ClusterState(nodes: nodes, allocations: existing, app: request.app)
        var result = PlacementResult()
        for _ in 0..<max(0, request.replicas) {
            var explanation = PlacementExplanation(evaluated: nodes.count)
            var best: (zoneLoad: Int, score: Double, index: Int)?
            for index in nodes.indices {
                if let reason = state.rejection(of: index, for: request) {
                    explanation.filtered[reason, default: 0] += 1
                    continue
                }
                explanation.feasible += 1
                let candidate = (zoneLoad: state.appReplicas(inZone: nodes[index].zone), score: state.score(of: index, for: request), index: index)
                if let current = best, !isBetter(candidate, than: current, nodes: nodes) { continue }
                best = candidate
            }
            result.explanation = explanation
            guard let chosen = best else {
                result.unplaced += 1
                continue
            }
            result.placements.append(state.allocate(request, on: chosen.index))
        }
        return result
    }

    /// Fewer of the app's replicas in the zone first, then the higher score, then the smaller node id.
    private static func isBetter(_ a: (zoneLoad: Int, score: Double, index: Int), than b: (zoneLoad: Int, score: Double, index: Int),
                                 nodes: [SchedulerNode]) -> Bool {
        if a.zoneLoad != b.zoneLoad { return a.zoneLoad < b.zoneLoad }
        if a.score != b.score { return a.score > b.score }
        return nodes[a.index].id.utf8.lexicographicallyPrecedes(nodes[b.index].id.utf8)
    }
}

/// What a placement run produced.
public struct PlacementResult: Sendable, Hashable {
    /// The new allocations, in the order they were made.
    public var placements: [Allocation] = []
    /// How many requested replicas found no feasible node.
    public var unplaced = 0
    /// Why nodes were or were not chosen, for the last replica tried.
    public var explanation = PlacementExplanation()
}
