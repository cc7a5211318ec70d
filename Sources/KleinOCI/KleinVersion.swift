/// The Klein release this code is: printed by `klein version` and named as the builder in provenance.
public enum KleinVersion {
    /// The version of this build of Klein.
    public static let current = "0.1.0"
}
