import Glibc

/// glibc heap settings for the offline commands (`transcribe`, `eval`), which run one 30-s window
/// after another and allocate the same large scratch buffers for each (encoder workspace, im2col
/// columns, attention scores, cross-attention keys and values: about 60-100 MB per window for
/// base). With glibc's defaults each buffer over the mmap threshold is a fresh mapping, and a
/// freed heap top over 128 KB is trimmed: every window faulted in and zeroed its scratch again.
/// Measured on 4 English clips with base, beam 1, one thread (`/usr/bin/time`, loaded machine):
/// 109 000 minor faults, 0.52 s system time before; 44 000 and 0.24 s with the heap kept, user
/// time 0.6 s lower, peak RSS the same (295 vs 297 MB). Not for the daemon, whose resident size
/// after a model switch matters (`HeapTrim`). `mallopt` is looked up with dlsym (the Glibc module
/// does not export malloc.h); without it the defaults stay.
enum OfflineHeap {
    private typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
    /// malloc.h: M_TRIM_THRESHOLD -1, M_MMAP_THRESHOLD -3.
    private static let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3

    /// Serves blocks up to 64 MB from the heap and keeps up to 512 MB of freed heap for reuse.
    /// Returns whether glibc took both settings.
    @discardableResult
    static func keepScratch() -> Bool {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        let mmap = mallopt(mmapThreshold, 64 << 20)
        let trim = mallopt(trimThreshold, 512 << 20)
        return mmap == 1 && trim == 1
    }
}
