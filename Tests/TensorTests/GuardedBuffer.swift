#if canImport(Glibc)
import Glibc
#endif

/// `count` elements whose last one ends exactly where an inaccessible (PROT_NONE) page begins, so
/// a read or write past the end faults at the offending instruction — in any build, and inside
/// OpenBLAS too, which AddressSanitizer and glibc's heap checks cannot see into. The bytes in
/// front of the elements (to the start of their first page) hold a canary that `frontIntact`
/// checks, for writes before the start. With `guarding: .start` it is the mirror image: the first
/// element begins right after a PROT_NONE page (a read or write before the start faults) and a
/// canary after the last element catches writes past the end (`backIntact`).
enum GuardSide { case end, start }

final class GuardedBuffer<Element> {

    let count: Int
    let pointer: UnsafeMutablePointer<Element>
    private let mapping: UnsafeMutableRawPointer
    private let length: Int
    private let front: Int          // canary bytes before `pointer` (.end)
    private let slack: Int          // canary bytes: before `pointer` (.end) or after the last element (.start)
    private let side: GuardSide
    private static var canary: UInt8 { 0xA5 }

    struct MappingFailed: Error { let bytes: Int; let errno: Int32 }

    init(_ count: Int, repeating value: Element, guarding side: GuardSide = .end) throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let bytes = Swift.max(1, count) * MemoryLayout<Element>.stride
        let dataPages = (bytes + page - 1) / page
        length = (dataPages + 1) * page
        // .end: [data pages][guard]; .start: [guard][data pages]
        let guardOffset = side == .end ? dataPages * page : 0
        guard let m = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), m != MAP_FAILED,
              mprotect(m + guardOffset, page, PROT_NONE) == 0 else {
            throw MappingFailed(bytes: length, errno: errno)
        }
        mapping = m
        self.count = count
        self.side = side
        slack = dataPages * page - count * MemoryLayout<Element>.stride
        let start = side == .end ? slack : page
        front = side == .end ? slack : 0
        if side == .end {
            m.initializeMemory(as: UInt8.self, repeating: Self.canary, count: slack)
        } else {
            (m + page + count * MemoryLayout<Element>.stride).initializeMemory(as: UInt8.self, repeating: Self.canary, count: slack)
        }
        pointer = (m + start).bindMemory(to: Element.self, capacity: Swift.max(1, count))
        pointer.initialize(repeating: value, count: count)
    }

    convenience init(_ values: [Element], guarding side: GuardSide = .end) throws {
        try self.init(values.count, repeating: values.first ?? Self.zeroElement(), guarding: side)
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

    /// True when nothing wrote into the bytes after the last element (`.start`; always true for
    /// `.end`, where such a write faults).
    var backIntact: Bool {
        guard side == .start else { return true }
        let bytes = UnsafeRawPointer(pointer + count).assumingMemoryBound(to: UInt8.self)
        return (0..<slack).allSatisfy { bytes[$0] == Self.canary }
    }

    deinit { munmap(mapping, length) }
}
