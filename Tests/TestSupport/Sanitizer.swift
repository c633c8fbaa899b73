import Foundation

/// The sanitizer runtime linked into this test process, if any (`make sanitize`).
public enum Sanitizer {
    /// "__asan_init" or "__tsan_init" when AddressSanitizer or ThreadSanitizer is linked, else nil.
    public static var runtime: String? {
        ["__asan_init", "__tsan_init"].first { dlsym(UnsafeMutableRawPointer(bitPattern: 0), $0) != nil }
    }

    public static var isActive: Bool { runtime != nil }

    /// What replaces glibc's malloc in this process, if anything: a sanitizer's allocator (its
    /// quarantine holds freed blocks), or scripts/sanitizers/page-guard-malloc.c (every block on
    /// pages of its own, freed pages unmapped, addresses never reused). Tests of glibc's heap
    /// behaviour (resident memory flat after reuse, malloc_trim) measure nothing under either.
    public static var replacementAllocator: String? {
        runtime ?? (dlsym(UnsafeMutableRawPointer(bitPattern: 0), "page_guard_malloc_active") != nil
            ? "page-guard-malloc" : nil)
    }
}
