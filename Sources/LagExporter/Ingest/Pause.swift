/// Sleeps that end early on cancellation (returns false then).
func pause(_ d: Duration) async -> Bool {
    do {
        try await Task.sleep(for: d)
        return true
    } catch {
        return false
    }
}
