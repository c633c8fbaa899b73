import Foundation

/// The sanitizer runtime linked into this test process, if any (`make sanitize`).
public enum Sanitizer {
    /// "__asan_init" or "__tsan_init" when AddressSanitizer or ThreadSanitizer is linked, else nil.
    public static var runtime: String? {
        ["__asan_init", "__tsan_init"].first { dlsym(UnsafeMutableRawPointer(bitPattern: 0), $0) != nil }
    }

    public static var isActive: Bool { runtime != nil }
}
