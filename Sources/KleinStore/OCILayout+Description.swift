extension OCILayout: CustomStringConvertible {
    /// `oci:PATH`, as skopeo names a layout.
    public var description: String { "oci:\(path)" }
}
