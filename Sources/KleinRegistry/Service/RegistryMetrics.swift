import Prometheus

/// The Prometheus metrics `/metrics` exposes: requests by route, method and status, bytes in and
/// out, upload durations and stored bytes.
public final class RegistryMetrics: Sendable {
    let collectors = PrometheusCollectorRegistry()
    private let bytesIn: Counter
    private let bytesOut: Counter
    private let uploadDuration: DurationHistogram
    private let storedBytes: Gauge
    private let storedBlobs: Gauge

    public init() {
        bytesIn = collectors.makeCounter(name: "klein_registry_received_bytes_total", help: "Request body bytes received.")
        bytesOut = collectors.makeCounter(name: "klein_registry_sent_bytes_total", help: "Response body bytes sent.")
        uploadDuration = collectors.makeDurationHistogram(
            name: "klein_registry_upload_duration_seconds",
            buckets: [.milliseconds(10), .milliseconds(100), .seconds(1), .seconds(10), .seconds(60), .seconds(600)],
            help: "Time from starting an upload session to its verified completion.")
        storedBytes = collectors.makeGauge(name: "klein_registry_storage_bytes", help: "Bytes in the blob pool.")
        storedBlobs = collectors.makeGauge(name: "klein_registry_storage_blobs", help: "Blobs in the blob pool.")
    }

    func request(route: String, method: String, status: Int, received: Int64, sent: Int64, duration: Duration) {
        collectors.makeCounter(
            name: "klein_registry_requests_total",
            labels: [("route", route), ("method", method), ("status", String(status))],
            help: "HTTP requests served."
        ).increment()
        collectors.makeDurationHistogram(
            name: "klein_registry_request_duration_seconds",
            labels: [("route", route), ("method", method)],
            buckets: [.microseconds(100), .milliseconds(1), .milliseconds(10), .milliseconds(100), .seconds(1), .seconds(10)],
            help: "Time to answer a request, body included."
        ).record(duration)
        if received > 0 { bytesIn.increment(by: received) }
        if sent > 0 { bytesOut.increment(by: sent) }
    }

    func uploadCompleted(after duration: Duration) {
        uploadDuration.record(duration)
    }

    func storage(bytes: Int64, blobs: Int) {
        storedBytes.set(bytes)
        storedBlobs.set(Int64(blobs))
    }

    /// The Prometheus text exposition of every metric.
    func exposition() -> [UInt8] {
        collectors.emitToBuffer()
    }
}
