import KleinServer
import Prometheus

/// The Prometheus metrics `/metrics` exposes: requests by route, method and status, bytes in and
/// out, upload durations and stored bytes.
public final class RegistryMetrics: RequestMetricsRecorder {
    let collectors = PrometheusCollectorRegistry()
    private let bytesIn: Counter
    private let bytesOut: Counter
    private let uploadDuration: DurationHistogram
    private let storedBytes: Gauge
    private let storedBlobs: Gauge

    /// Empty metrics with their own Prometheus collector registry.
    public init() {
        bytesIn = collectors.makeCounter(descriptor: Self.name("received", "bytes_total", "Request body bytes received."))
        bytesOut = collectors.makeCounter(descriptor: Self.name("sent", "bytes_total", "Response body bytes sent."))
        uploadDuration = collectors.makeDurationHistogram(
            descriptor: Self.name("upload_duration", "seconds", "Time from starting an upload session to its verified completion."),
            buckets: [.milliseconds(10), .milliseconds(100), .seconds(1), .seconds(10), .seconds(60), .seconds(600)])
        storedBytes = collectors.makeGauge(descriptor: Self.name("storage", "bytes", "Bytes in the blob pool."))
        storedBlobs = collectors.makeGauge(descriptor: Self.name("storage", "blobs", "Blobs in the blob pool."))
    }

    package func request(route: String, method: String, status: Int, received: Int64, sent: Int64, duration: Duration) {
        collectors.makeCounter(
            descriptor: Self.requests, labels: [("route", route), ("method", method), ("status", String(status))]
        ).increment()
        collectors.makeDurationHistogram(
            descriptor: Self.requestDuration, labels: [("route", route), ("method", method)],
            buckets: [.microseconds(100), .milliseconds(1), .milliseconds(10), .milliseconds(100), .seconds(1), .seconds(10)]
        ).record(duration)
        if received > 0 { bytesIn.increment(by: received) }
        if sent > 0 { bytesOut.increment(by: sent) }
    }

    private static var requests: MetricNameDescriptor { name("requests", "total", "HTTP requests served.") }
    private static var requestDuration: MetricNameDescriptor { name("request_duration", "seconds", "Time to answer a request, body included.") }

    /// `klein_registry_<metric>_<unit>`.
    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "klein", subsystem: "registry", metricName: metric, unitName: unit, helpText: help)
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
