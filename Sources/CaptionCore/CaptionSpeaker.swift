/// Who spoke a caption, as the camera saw it (docs/PROTOCOL.md, `speaker`): a face on camera (its
/// tracker id and box in frame pixels) or `off_camera` (speech with no speaking face in view).
/// Captions carry no speaker when there is no video.
///
/// Wire form: `{"face":3,"box":[xmin,ymin,xmax,ymax]}` or the string `"off_camera"`.
public enum CaptionSpeaker: Codable, Equatable, Sendable {
    case face(id: Int, box: [Double])
    case offCamera

    /// A short label for a terminal: `#3` or `off camera`.
    public var label: String {
        switch self {
        case .face(let id, _): return "#\(id)"
        case .offCamera: return "off camera"
        }
    }

    private enum Keys: String, CodingKey { case face, box }

    public init(from decoder: Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let text = try? single.decode(String.self) {
            guard text == "off_camera" else {
                throw DecodingError.dataCorruptedError(in: single, debugDescription: "speaker must be \"off_camera\" or {\"face\":ID,\"box\":[…]}, got \"\(text)\"")
            }
            self = .offCamera
            return
        }
        let c = try decoder.container(keyedBy: Keys.self)
        let box = try c.decode([Double].self, forKey: .box)
        guard box.count == 4 else {
            throw DecodingError.dataCorruptedError(forKey: .box, in: c, debugDescription: "speaker box needs 4 numbers (xmin, ymin, xmax, ymax), got \(box.count)")
        }
        self = .face(id: try c.decode(Int.self, forKey: .face), box: box)
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .offCamera:
            var c = encoder.singleValueContainer()
            try c.encode("off_camera")
        case let .face(id, box):
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(id, forKey: .face)
            try c.encode(box, forKey: .box)
        }
    }
}
