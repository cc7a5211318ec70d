import KleinOCI

/// What a transfer reports as it goes, for progress displays and `--json` output.
public enum TransferEvent: Sendable {
    /// The plan is known: how many blobs and bytes may move.
    case planned(blobs: Int, bytes: Int64)
    case blobStarted(Descriptor)
    /// `bytes` more of the blob arrived (negative when a transfer restarted from the beginning).
    case blobProgress(Digest, bytes: Int64)
    case blobFinished(Descriptor, BlobOutcome)
    case manifestWritten(Descriptor, reference: String?)
}

/// How a blob reached the destination.
public enum BlobOutcome: String, Sendable {
    /// Its bytes were copied.
    case copied
    /// The destination already had it.
    case existed
    /// The registry linked it from another repository (cross-repo mount).
    case mounted
}

/// Told of each step of a copy, from any task.
public typealias TransferObserver = @Sendable (TransferEvent) -> Void
