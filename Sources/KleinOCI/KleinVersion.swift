/// The Klein release this code is: printed by `klein version` and named as the builder in provenance.
public enum KleinVersion {
    public static let current = "0.1.0"
}
