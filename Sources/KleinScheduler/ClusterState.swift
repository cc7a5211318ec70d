import Foundation
import KleinOCI

/// The scheduler's running view of a cluster while it places one request: what each node has in use,
/// which GPU devices are taken, and where the app's replicas are.
struct ClusterState {
    let nodes: [SchedulerNode]
    private var used: [Resources]
    private var takenGPUs: [Set<String>]
    private var appOnNode: [Int]
    private var appInZone: [String: Int] = [:]

    init(nodes: [SchedulerNode], allocations: [Allocation], app: String) {
        self.nodes = nodes
        used = Array(repeating: Resources(), count: nodes.count)
        takenGPUs = Array(repeating: [], count: nodes.count)
        appOnNode = Array(repeating: 0, count: nodes.count)
        var index: [String: Int] = [:]
        for (position, node) in nodes.enumerated() { index[node.id] = position }
        for allocation in allocations {
            guard let position = index[allocation.node] else { continue }
            used[position] = used[position] + allocation.resources
            takenGPUs[position].formUnion(allocation.gpuDevices.map { "\(allocation.gpuKind)/\($0)" })
            if allocation.app == app {
                appOnNode[position] += 1
                appInZone[nodes[position].zone, default: 0] += 1
            }
        }
    }

    func appReplicas(inZone zone: String) -> Int { appInZone[zone] ?? 0 }

    /// The first filter node `index` fails for `request`, or nil when it can take a replica.
    func rejection(of index: Int, for request: PlacementRequest) -> String? {
        let node = nodes[index]
        if !node.ready { return "node down" }
        if node.draining { return "node draining" }
        if !request.platforms.contains(where: { node.platform.matches($0) }) {
            return "platform \(node.platform) not in the image"
        }
        if let resource = (node.capacity - used[index]).shortfall(for: request.resources) { return "\(resource) exhausted" }
        if request.gpuCount > 0 {
            let devices = node.gpus[request.gpuKind] ?? []
            if devices.isEmpty { return "no \(request.gpuKind) GPU" }
            if freeGPUs(on: index, kind: request.gpuKind).count < request.gpuCount { return "\(request.gpuKind) GPUs exhausted" }
        }
        return nil
    }

    /// Bin-packing (Nomad's: 20 − (10^freeCPU + 10^freeMemory), scaled to 0…1, after the replica),
    /// minus the app's replicas on the node, plus the share of the image's layer bytes it holds.
    func score(of index: Int, for request: PlacementRequest) -> Double {
        let node = nodes[index]
        let after = used[index] + request.resources
        func free(_ used: Int64, of total: Int64) -> Double { total > 0 ? 1 - Double(used) / Double(total) : 0 }
        let total = pow(10, free(after.cpuMillis, of: node.capacity.cpuMillis)) + pow(10, free(after.memory, of: node.capacity.memory))
        let binPack = (20 - total) / 18
        let layerBytes = request.layers.values.reduce(0, +)
        let held = request.layers.reduce(Int64(0)) { $0 + (node.blobs[$1.key] != nil ? $1.value : 0) }
        let locality = layerBytes > 0 ? Double(held) / Double(layerBytes) : 0
        return binPack - Double(appOnNode[index]) + locality
    }

    /// Takes the request's resources and the lowest free GPU devices on node `index`.
    mutating func allocate(_ request: PlacementRequest, on index: Int) -> Allocation {
        let devices = request.gpuCount > 0 ? Array(freeGPUs(on: index, kind: request.gpuKind).prefix(request.gpuCount)) : []
        used[index] = used[index] + request.resources
        takenGPUs[index].formUnion(devices.map { "\(request.gpuKind)/\($0)" })
        appOnNode[index] += 1
        appInZone[nodes[index].zone, default: 0] += 1
        return Allocation(app: request.app, node: nodes[index].id, resources: request.resources,
                          gpuKind: devices.isEmpty ? "" : request.gpuKind, gpuDevices: devices)
    }

    private func freeGPUs(on index: Int, kind: String) -> [String] {
        (nodes[index].gpus[kind] ?? []).filter { !takenGPUs[index].contains("\(kind)/\($0)") }.sorted()
    }
}
