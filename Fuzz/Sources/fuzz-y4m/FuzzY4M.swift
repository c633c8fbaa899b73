import Capture
import FuzzSupport

/// Y4M: the YUV4MPEG2 header line and FRAME markers (Capture.Y4MReader over Capture.ByteStream,
/// exactly as VideoFileSource reads a file or FIFO). The input is served from one in-memory file
/// (/dev/shm), refilled per input and opened afresh by path as the source does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzY4M(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let file = MemoryFile.shared, file.refill(UnsafeRawBufferPointer(start: data, count: size)) else {
        fatalError("cannot write the fuzz input to /dev/shm")
    }
    guard let stream = try? ByteStream(path: file.path, bufferSize: 4096),
          let reader = try? Y4MReader(stream: stream) else { return 0 }
    _ = reader.framesPerSecond
    var frames = 0
    while frames < 64, let luma = try? reader.nextLuma() {
        precondition(luma.count == reader.width * reader.height, "luma of \(luma.count) bytes for \(reader.width)×\(reader.height)")
        frames += 1
    }
    return 0
}
