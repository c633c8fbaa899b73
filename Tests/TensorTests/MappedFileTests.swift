import Foundation
import XCTest
@testable import Tensor

/// Dropping converted pages of a mapped checkpoint (to keep the file and the converted tensors
/// from being resident together) never changes what the file reads as.
final class MappedFileTests: XCTestCase {
    func testDroppedPagesReadTheSameBytesAgain() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mapped-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        let bytes = (0..<(3 * 4096 + 123)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        try Data(bytes).write(to: url)
        let file = try MappedFile(path: url.path)
        defer { file.close() }
        let read = { (file: MappedFile) in (0..<file.count).map { file.bytes!.load(fromByteOffset: $0, as: UInt8.self) } }
        XCTAssertEqual(read(file), bytes)
        for end in [0, 100, 4096, 4097, 2 * 4096 + 5, file.count, file.count + 9999] {
            file.dropPages(below: end)
            XCTAssertEqual(read(file), bytes, "after dropping pages below \(end)")
        }
    }
}
