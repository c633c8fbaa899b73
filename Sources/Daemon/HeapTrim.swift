import Foundation
import Glibc

/// Gives freed heap memory back to the system after a model is released. glibc keeps freed
/// chunks in its arenas (and raises its mmap threshold after the first large free, so later
/// weight tensors come from the heap too): after `set model base` and back to tiny.en the
/// daemon kept ~290 MB more RSS than before (`make soak`, measured; `malloc_trim` brought it
/// back down). `malloc_trim` is looked up with dlsym (the Glibc module does not export
/// malloc.h) and runs on a utility queue so the pipeline thread never waits for it.
enum HeapTrim {
    private typealias Trim = @convention(c) (Int) -> Int32
    private static let trim: Trim? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: Trim.self)
    }()

    /// Returns free heap pages to the system (asynchronously). False when malloc_trim is missing.
    @discardableResult
    static func releaseFreedMemory(wait: Bool = false) -> Bool {
        guard let trim else { return false }
        if wait { _ = trim(0); return true }
        DispatchQueue.global(qos: .utility).async { _ = trim(0) }
        return true
    }
}
