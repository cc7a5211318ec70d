/// Why nodes were or were not chosen for one replica, as Nomad reports it: how many nodes were
/// evaluated, how many could take the replica, and for each reason how many it ruled out
/// ("3 nodes: memory exhausted; 2 nodes: no nvidia GPU"). Every rejected node is counted once, under
/// the first filter it failed.
public struct PlacementExplanation: Sendable, Hashable, CustomStringConvertible {
    /// How many nodes were looked at.
    public var evaluated: Int
    /// How many could take the replica.
    public var feasible: Int
    /// For each reason, how many nodes it ruled out.
    public var filtered: [String: Int]

    /// An explanation of these counts.
    public init(evaluated: Int = 0, feasible: Int = 0, filtered: [String: Int] = [:]) {
        self.evaluated = evaluated
        self.feasible = feasible
        self.filtered = filtered
    }

    /// `5 nodes evaluated, 0 feasible: 3 nodes: memory exhausted; 2 nodes: no nvidia GPU`, reasons most
    /// frequent first.
    public var description: String {
        let reasons = filtered.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.value) node\($0.value == 1 ? "" : "s"): \($0.key)" }
        let head = "\(evaluated) node\(evaluated == 1 ? "" : "s") evaluated, \(feasible) feasible"
        return reasons.isEmpty ? head : "\(head): " + reasons.joined(separator: "; ")
    }
}
