/// Picks the manifest for a platform out of an image index or manifest list.
enum PlatformSelector {
    /// The best entry for `platform`: see `Platform.rank`; on a tie the
    /// first in index order. Entries without a platform only count when the
    /// index holds nothing else (an index of one image, as tools write into
    /// OCI layouts). Attestations (platform unknown/unknown) never match.
    static func select(_ manifests: [Descriptor], for platform: Platform, reference: String) throws -> Descriptor {
        let images = manifests.filter { MediaType.isManifest($0.mediaType) || MediaType.isIndex($0.mediaType) || $0.mediaType.isEmpty }
        var best: (rank: Int, descriptor: Descriptor)?
        for descriptor in images {
            guard let candidate = descriptor.platform, let rank = platform.rank(candidate) else { continue }
            if best == nil || rank < best!.rank { best = (rank, descriptor) }
        }
        if let best { return best.descriptor }
        if images.count == 1, images[0].platform == nil { return images[0] }
        let offered = images.compactMap { $0.platform?.description }.filter { !$0.hasPrefix("unknown") }
        throw ImageError(
            .platform, reference: reference, step: "choosing the manifest for \(platform)",
            detail: offered.isEmpty ? "the index lists no platform" : "the image is built for \(offered.joined(separator: ", ")) only",
            hint: "pick an image (or a tag) that is published for \(platform)")
    }
}
