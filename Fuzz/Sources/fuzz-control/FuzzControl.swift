import Foundation
import IPC

/// Control and caption socket lines: IPC.LineSplitter (fed in pieces, as reads arrive), then each
/// line through the reader that meets such lines in the service, chosen by the input's first byte
/// (mod 3): 0 the daemon's control requests (ControlRequest.parse, whose encoding must parse back
/// to itself), 1 captionctl's control replies (ControlReply.decode, re-encoded), 2 subscribers'
/// caption events (WireCodec.decode, re-encoded). One reader per input instead of all three per
/// line: each is a Foundation JSON parse under ASan, and three per line made this the slowest
/// harness (~90 exec/s); libFuzzer reaches all three by mutating that byte.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzControl(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let reader = data[0] % 3
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    var splitter = LineSplitter(limit: 512)
    var lines: [[UInt8]] = []
    var at = 0, step = 1
    while at < bytes.count {
        let n = min(step, bytes.count - at)
        for item in splitter.feed(Array(bytes[at..<(at + n)])) {
            if case let .line(l) = item { lines.append(l) }
        }
        at += n
        step = step * 7 % 97 + 1
    }
    for line in lines {
        switch reader {
        case 0:
            if case let .success(request) = ControlRequest.parse(line) {
                let again = ControlRequest.parse(Array(request.encoded().dropLast()))
                precondition(again == .success(request), "\(request) does not survive encode → parse: \(again)")
            }
        case 1:
            if let reply = try? ControlReply.decode(line) { _ = reply.encoded() }
        default:
            if let event = try? WireCodec.decode(Data(line)) { _ = try? WireCodec.encode(event) }
        }
    }
    return 0
}
