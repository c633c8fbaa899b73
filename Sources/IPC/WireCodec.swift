import Foundation
import CaptionCore

/// JSON-lines encoding of caption events: one object per line with a `type` key, UTF-8,
/// terminated by "\n". See docs/PROTOCOL.md.
public enum WireCodec {
    private struct Wrapper: Encodable {
        let event: CaptionEvent
        enum TypeKey: String, CodingKey { case type }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: TypeKey.self)
            try c.encode(event.typeName, forKey: .type)
            switch event {
            case .hello(let v): try v.encode(to: encoder)
            case .partial(let v): try v.encode(to: encoder)
            case .final(let v): try v.encode(to: encoder)
            case .status(let v): try v.encode(to: encoder)
            case .error(let v): try v.encode(to: encoder)
            }
        }
    }

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// The event as one line of JSON including the trailing newline.
    public static func encode(_ event: CaptionEvent) throws -> Data {
        var data = try encoder.encode(Wrapper(event: event))
        data.append(0x0A)
        return data
    }

    /// Decodes one line (without or with its trailing newline).
    public static func decode(_ line: Data) throws -> CaptionEvent {
        guard String(data: line, encoding: .utf8) != nil else {
            throw IPCError.malformed(what: "caption line", reason: "not valid UTF-8")
        }
        struct TypeOnly: Decodable { let type: String }
        let d = JSONDecoder()
        let kind: String
        do { kind = try d.decode(TypeOnly.self, from: line).type } catch {
            throw IPCError.malformed(what: "caption line", reason: "not a JSON object with a string \"type\": \(error)")
        }
        do {
            switch kind {
            case "hello": return .hello(try d.decode(CaptionHello.self, from: line))
            case "partial": return .partial(try d.decode(CaptionPartial.self, from: line))
            case "final": return .final(try d.decode(CaptionFinal.self, from: line))
            case "status": return .status(try d.decode(CaptionStatus.self, from: line))
            case "error": return .error(try d.decode(CaptionError.self, from: line))
            default: throw IPCError.malformed(what: "caption line", reason: "unknown type \"\(kind)\"")
            }
        } catch let e as IPCError { throw e } catch {
            throw IPCError.malformed(what: "\(kind) event", reason: "\(error)")
        }
    }
}
