#if canImport(Glibc)
import Glibc
#endif

/// `count` elements whose last one ends exactly where an inaccessible (PROT_NONE) page begins, so
/// a read or write past the end faults at the offending instruction — in any build, and inside
/// OpenBLAS too, which AddressSanitizer and glibc's heap checks cannot see into. The bytes in
/// front of the elements (to the start of their first page) hold a canary that `frontIntact`
/// checks, for writes before the start.
final class GuardedBuffer<Element> {
    let count: Int
    let pointer: UnsafeMutablePointer<Element>
    private let mapping: UnsafeMutableRawPointer
    private let length: Int
    private let front: Int          // canary bytes before `pointer`
    private static var canary: UInt8 { 0xA5 }

    struct MappingFailed: Error { let bytes: Int; let errno: Int32 }

    init(_ count: Int, repeating value: Element) throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let bytes = Swift.max(1, count) * MemoryLayout<Element>.stride
        let dataPages = (bytes + page - 1) / page
        length = (dataPages + 1) * page
        guard let m = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), m != MAP_FAILED,
              mprotect(m + dataPages * page, page, PROT_NONE) == 0 else {
            throw MappingFailed(bytes: length, errno: errno)
        }
        mapping = m
        self.count = count
        front = dataPages * page - count * MemoryLayout<Element>.stride
        m.initializeMemory(as: UInt8.self, repeating: Self.canary, count: front)
        pointer = (m + front).bindMemory(to: Element.self, capacity: Swift.max(1, count))
        pointer.initialize(repeating: value, count: count)
    }

    convenience init(_ values: [Element]) throws {
        try self.init(values.count, repeating: values.first ?? Self.zeroElement())
        for (i, v) in values.enumerated() { pointer[i] = v }
    }

    private static func zeroElement() -> Element {
        withUnsafeTemporaryAllocation(of: Element.self, capacity: 1) { p in
            UnsafeMutableRawPointer(p.baseAddress!).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<Element>.stride)
            return p[0]
        }
    }

    /// The elements as an array (to compare with a reference).
    var array: [Element] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// True when nothing wrote into the bytes in front of the elements.
    var frontIntact: Bool {
        let bytes = mapping.assumingMemoryBound(to: UInt8.self)
        return (0..<front).allSatisfy { bytes[$0] == Self.canary }
    }

    deinit { munmap(mapping, length) }
}
