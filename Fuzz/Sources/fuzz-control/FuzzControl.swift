import Foundation
import IPC

/// Control and caption socket lines: IPC.LineSplitter (fed in pieces, as reads arrive), each line
/// as a control request (ControlRequest.parse, whose encoding must parse back to itself), a
/// control reply (ControlReply.decode) and a caption event (WireCodec.decode, re-encoded).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzControl(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
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
        if case let .success(request) = ControlRequest.parse(line) {
            let again = ControlRequest.parse(Array(request.encoded().dropLast()))
            precondition(again == .success(request), "\(request) does not survive encode → parse: \(again)")
        }
        if let reply = try? ControlReply.decode(line) { _ = reply.encoded() }
        if let event = try? WireCodec.decode(Data(line)) { _ = try? WireCodec.encode(event) }
    }
    return 0
}
