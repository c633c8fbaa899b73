import Foundation

/// The check every call into OpenBLAS and CVectorKernels passes through (`CheckedBLAS`,
/// `CheckedKernels`; issue 9 item 1). Each wrapper takes its operands as buffer pointers (start and
/// the elements the caller owns from there), computes from the size arguments what the C routine
/// will touch (`CExtent`) and calls it only when every operand holds that much, the leading
/// dimensions are ones the routine accepts and every size fits the C parameter type.
///
/// A violation names the call, the operand and the sizes, and aborts the process (C code told to
/// write past a buffer corrupts the heap silently; OpenBLAS is invisible to AddressSanitizer).
/// Tests collect violations instead (`collectingViolations`), and the call is then skipped.
///
/// The checks are a few integer comparisons per call, against C routines that do at least a pass
/// over their operands, so they stay on in every build, `-Ounchecked` included (they do not use
/// `precondition`, which `-Ounchecked` removes). `-Xswiftc -DCAPTIOND_UNCHECKED_C` compiles them out.
public struct CCallCheck {
    /// One refused call.
    public struct Violation: CustomStringConvertible, Sendable, Equatable {
        /// The C entry point, e.g. "cblas_sgemm".
        public let call: String
        /// What is wrong, e.g. "C needs 1201 elements from its pointer, the buffer holds 1200".
        public let problem: String
        /// Every size argument of the call.
        public let sizes: String
        public var description: String { "\(call): \(problem) [\(sizes)]" }
    }

    private let call: StaticString
    private var problem: String?

    @inline(__always)
    init(_ call: StaticString) { self.call = call }

    /// `operand` must hold `needs` elements; `has` is what the caller's buffer holds.
    @inline(__always)
    mutating func operand(_ name: StaticString, needs: Int, has: Int) {
        #if !CAPTIOND_UNCHECKED_C
        if needs > has, problem == nil {
            problem = "\(name) needs \(needs) elements from its pointer, the buffer holds \(has)"
        }
        #endif
    }

    /// An operand that may be absent (a bias): checked when given.
    @inline(__always)
    mutating func optionalOperand(_ name: StaticString, needs: Int, has: Int?) {
        if let has { operand(name, needs: needs, has: has) }
    }

    /// A leading dimension (or stride) below what the routine accepts.
    @inline(__always)
    mutating func leading(_ name: StaticString, _ value: Int, atLeast minimum: Int) {
        #if !CAPTIOND_UNCHECKED_C
        if value < minimum, problem == nil { problem = "\(name) \(value) is below \(minimum)" }
        #endif
    }

    /// Sizes passed as C `int`: non-negative and within Int32.
    @inline(__always)
    mutating func int32(_ name: StaticString, _ value: Int, allowNegative: Bool = false) {
        #if !CAPTIOND_UNCHECKED_C
        if (value < (allowNegative ? Int(Int32.min) : 0) || value > Int(Int32.max)), problem == nil {
            problem = "\(name) \(value) does not fit the C int parameter"
        }
        #endif
    }

    /// Sizes passed as size_t: non-negative.
    @inline(__always)
    mutating func size(_ name: StaticString, _ value: Int) {
        #if !CAPTIOND_UNCHECKED_C
        if value < 0, problem == nil { problem = "\(name) \(value) is negative" }
        #endif
    }

    /// True when the call may go ahead; otherwise reports the violation (which aborts unless a
    /// test collects violations) and returns false.
    @inline(__always)
    func passed(_ sizes: @autoclosure () -> String) -> Bool {
        #if CAPTIOND_UNCHECKED_C
        return true
        #else
        guard let problem else { return true }
        CCallCheck.report(Violation(call: "\(call)", problem: problem, sizes: sizes()))
        return false
        #endif
    }

    // MARK: - Reporting

    private static let lock = NSLock()
    nonisolated(unsafe) private static var collectors: [UUID: [Violation]] = [:]

    /// Runs `body` with violations recorded (and the offending calls skipped) instead of aborting;
    /// returns them in order. For tests, which show that a wrong size is refused.
    public static func collectingViolations(_ body: () throws -> Void) rethrows -> [Violation] {
        let id = UUID()
        lock.lock(); collectors[id] = []; lock.unlock()
        defer { lock.lock(); collectors[id] = nil; lock.unlock() }
        try body()
        lock.lock(); defer { lock.unlock() }
        return collectors[id] ?? []
    }

    /// The check is compiled in (no CAPTIOND_UNCHECKED_C).
    public static var isCompiledIn: Bool {
        #if CAPTIOND_UNCHECKED_C
        return false
        #else
        return true
        #endif
    }

    @inline(never)
    static func report(_ violation: Violation) {
        lock.lock()
        if !collectors.isEmpty {
            for key in collectors.keys { collectors[key]?.append(violation) }
            lock.unlock()
            return
        }
        lock.unlock()
        let message = "captiond: refused an out-of-range call into C: \(violation)\n"
            + "This is a bug in the engine (the sizes do not match the buffers); please report it with this line.\n"
        FileHandle.standardError.write(Data(message.utf8))
        abort()
    }
}
