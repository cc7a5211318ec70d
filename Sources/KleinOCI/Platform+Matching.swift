/// Platform matching for multi-arch selection, with the conventions containerd and the Docker CLI use:
/// architecture aliases (`x86_64` = `amd64`, `aarch64` = `arm64`), `arm64` without a variant meaning `v8`,
/// `arm` without a variant meaning `v7`, and older ARM variants runnable on newer hosts.
extension Platform {
    /// The same platform with `os` lowercased, architecture aliases resolved and default variants made explicit.
    public var normalized: Platform {
        var result = self
        result.os = os.lowercased()
        let alias = Platform.architectureAliases[architecture.lowercased()]
        result.architecture = alias?.architecture ?? architecture.lowercased()
        var variant = (variant ?? alias?.variant ?? "").lowercased()
        if !variant.isEmpty, variant.first != "v", variant.allSatisfy(\.isNumber) { variant = "v" + variant }
        switch result.architecture {
        case "arm64" where variant.isEmpty: variant = "v8"
        case "arm" where variant.isEmpty: variant = "v7"
        default: break
        }
        result.variant = variant.isEmpty ? nil : variant
        return result
    }

    /// The platforms an image may target to run here, best first: this platform, then older compatible ones.
    public var compatiblePlatforms: [Platform] {
        let wanted = normalized
        var result = [wanted]
        func add(_ architecture: String, _ variant: String?) {
            var platform = wanted
            platform.architecture = architecture
            platform.variant = variant
            result.append(platform)
        }
        switch (wanted.architecture, wanted.variant) {
        case ("arm", "v8"): add("arm", "v7"); add("arm", "v6"); add("arm", "v5")
        case ("arm", "v7"): add("arm", "v6"); add("arm", "v5")
        case ("arm", "v6"): add("arm", "v5")
        case ("arm64", "v8"): add("arm", "v8"); add("arm", "v7"); add("arm", "v6"); add("arm", "v5")
        case ("amd64", _): add("386", nil)
        default: break
        }
        return result
    }

    /// Whether an artifact for `candidate` can run on this platform, and how well (0 is best; nil is no).
    public func rank(of candidate: Platform) -> Int? {
        let target = candidate.normalized
        let wanted = normalized
        if let version = wanted.osVersion, !version.isEmpty, let candidateVersion = target.osVersion {
            guard Platform.osVersionMatches(os: wanted.os, wanted: version, candidate: candidateVersion) else { return nil }
        }
        if let required = target.osFeatures, let offered = wanted.osFeatures {
            guard Set(required).isSubset(of: Set(offered)) else { return nil }
        }
        return compatiblePlatforms.firstIndex {
            $0.os == target.os && $0.architecture == target.architecture && $0.variant == target.variant
        }
    }

    /// Whether `candidate` can run on this platform.
    public func matches(_ candidate: Platform) -> Bool { rank(of: candidate) != nil }

    /// Windows builds must agree on major.minor.build; elsewhere the versions must be equal.
    private static func osVersionMatches(os: String, wanted: String, candidate: String) -> Bool {
        guard os == "windows" else { return wanted == candidate }
        let prefix = { (version: String) in version.split(separator: ".").prefix(3) }
        return prefix(wanted) == prefix(candidate)
    }
}

/// The one index matcher: the copier, `klein inspect`, `klein resolve` and unpacking all choose with it
/// (image-index.md, "platform").
extension ImageIndex {
    /// The best manifest for `platform` (see `Platform.rank(of:)`); entries without a platform never match.
    /// Among equally good entries the first wins, as in containerd.
    public func manifest(for platform: Platform) -> Descriptor? {
        var best: (rank: Int, descriptor: Descriptor)?
        for descriptor in manifests {
            guard let candidate = descriptor.platform, let rank = platform.rank(of: candidate) else { continue }
            if let current = best, current.rank <= rank { continue }
            best = (rank, descriptor)
        }
        return best?.descriptor
    }

    /// The platforms the index offers, for messages: `linux/amd64, linux/arm64/v8`, or `no platforms`.
    public var platformListing: String {
        let names = manifests.compactMap { $0.platform?.description }
        return names.isEmpty ? "no platforms" : names.joined(separator: ", ")
    }
}
