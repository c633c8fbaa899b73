/// Splits a byte stream into newline-terminated lines, refusing lines longer than `limit` bytes.
/// An oversized line is reported once, and its remaining bytes up to the next newline are dropped,
/// so the stream stays usable afterwards.
public struct LineSplitter {
    public enum Item: Equatable { case line([UInt8]), tooLong(Int) }

    public let limit: Int
    private var buffer: [UInt8] = []
    private var discarding = false

    public init(limit: Int) { self.limit = limit }

    /// Feeds bytes; returns the complete lines (without "\n") and oversize reports, in order.
    public mutating func feed(_ bytes: [UInt8]) -> [Item] {
        var out: [Item] = []
        var start = 0
        for i in bytes.indices where bytes[i] == 0x0A {
            let piece = bytes[start..<i]
            start = i + 1
            if discarding {
                discarding = false; buffer.removeAll(keepingCapacity: true)
                continue
            }
            if buffer.count + piece.count > limit {
                out.append(.tooLong(buffer.count + piece.count))
                buffer.removeAll(keepingCapacity: true)
                continue
            }
            buffer.append(contentsOf: piece)
            out.append(.line(buffer))
            buffer.removeAll(keepingCapacity: true)
        }
        let rest = bytes[start...]
        if discarding { return out }
        buffer.append(contentsOf: rest)
        if buffer.count > limit {
            out.append(.tooLong(buffer.count))
            buffer.removeAll(keepingCapacity: true)
            discarding = true
        }
        return out
    }

    /// At end of stream: the last line when it lacked its newline (nothing when empty or oversized).
    public mutating func finish() -> [Item] {
        defer { buffer.removeAll(); discarding = false }
        guard !discarding, !buffer.isEmpty else { return [] }
        return [.line(buffer)]
    }
}
