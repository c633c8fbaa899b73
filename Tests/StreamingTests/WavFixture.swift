import Foundation
import XCTest
import TestSupport

/// Reads a canonical 16-bit PCM mono WAV fixture (enough for the shared 16-kHz clips).
enum WavFixture {
    static func read(_ url: URL) throws -> [Float] {
        let bytes = [UInt8](try Data(contentsOf: url))
        func u32(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 | Int(bytes[o + 2]) << 16 | Int(bytes[o + 3]) << 24 }
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        guard bytes.count > 44, String(bytes: bytes[0..<4], encoding: .ascii) == "RIFF" else {
            throw RequiredFixtures.missing("\(url.path) is not a RIFF file")
        }
        var offset = 12
        var format = (channels: 0, rate: 0, bits: 0)
        while offset + 8 <= bytes.count {
            let id = String(bytes: bytes[offset..<(offset + 4)], encoding: .ascii) ?? ""
            let size = u32(offset + 4)
            if id == "fmt " { format = (u16(offset + 10), u32(offset + 12), u16(offset + 22)) }
            if id == "data" {
                guard format == (1, 16_000, 16) else { throw RequiredFixtures.missing("\(url.path): expected 16-kHz 16-bit mono") }
                let end = min(bytes.count, offset + 8 + size)
                return stride(from: offset + 8, to: end - 1, by: 2).map {
                    Float(Int16(bitPattern: UInt16(u16($0)))) / 32768
                }
            }
            offset += 8 + size + (size & 1)
        }
        throw RequiredFixtures.missing("\(url.path) has no data chunk")
    }
}
