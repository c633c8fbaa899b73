import Foundation

/// The sanitizer runtime or replacement allocator in this test process, if any (`make sanitize`),
/// found by a symbol each exports.
public enum Sanitizer {
    private struct Known {
        let symbol: String
        let name: String
        let isSanitizer: Bool
    }

    /// AddressSanitizer and ThreadSanitizer (linked by `--sanitize`), and
    /// scripts/sanitizers/page-guard-malloc.c (preloaded; every block on pages of its own, freed
    /// pages unmapped, addresses never reused).
    private static let known = [
        Known(symbol: "__asan_init", name: "AddressSanitizer", isSanitizer: true),
        Known(symbol: "__tsan_init", name: "ThreadSanitizer", isSanitizer: true),
        Known(symbol: "page_guard_malloc_active", name: "page-guard-malloc", isSanitizer: false),
    ]

    private static func present(_ k: Known) -> Bool { dlsym(UnsafeMutableRawPointer(bitPattern: 0), k.symbol) != nil }

    /// "AddressSanitizer" or "ThreadSanitizer" when that runtime is linked, else nil.
    public static var runtime: String? { known.first { $0.isSanitizer && present($0) }?.name }

    public static var isActive: Bool { runtime != nil }

    /// What replaces glibc's malloc in this process, if anything: a sanitizer's allocator (its
    /// quarantine holds freed blocks) or page-guard-malloc. Tests of glibc's heap behaviour
    /// (resident memory flat after reuse, malloc_trim) measure nothing under either.
    public static var replacementAllocator: String? { known.first(where: present)?.name }
}
