/// The release version of the exporters; `scripts/` may stamp the revision at build time
/// through the `EXPORTER_REVISION` environment variable read at startup.
public enum ExporterKitVersion {
    public static let version = "0.1.0"
    public static var revision: String {
        #if canImport(Glibc)
            if let r = getenv("EXPORTER_REVISION") { return String(cString: r) }
        #endif
        return "unknown"
    }
}

#if canImport(Glibc)
    import Glibc
#endif
