import CaptionCore
import Foundation

/// One caption line as the page shows it: the daemon's partial or final reduced to what the page
/// needs, with the speaker already turned into its label (`#3`, `off camera`) by the same rule as
/// `captionctl subscribe` (CaptionSpeaker.label).
public struct OverlayCaption: Codable, Equatable, Sendable {
    public var seq: Int
    public var utterance: Int
    public var text: String
    public var speaker: String?

    public init(seq: Int, utterance: Int, text: String, speaker: String?) {
        self.seq = seq; self.utterance = utterance; self.text = text; self.speaker = speaker
    }
}

/// A server-sent event's JSON payload. `type`:
/// - `final`, `partial`: one caption (`caption`);
/// - `state`: everything the page shows now (`finals`, the newest last, and `partial`), sent first
///   on every connection and embedded in the page, so a page (re)loaded mid-session is complete;
/// - `bridge`: whether the overlay is connected to captiond (`connected`, `message`).
public struct OverlayMessage: Codable, Equatable, Sendable {
    public var type: String
    public var caption: OverlayCaption?
    public var finals: [OverlayCaption]?
    public var partial: OverlayCaption?
    public var connected: Bool?
    public var message: String?

    public init(type: String, caption: OverlayCaption? = nil, finals: [OverlayCaption]? = nil,
                partial: OverlayCaption? = nil, connected: Bool? = nil, message: String? = nil) {
        self.type = type; self.caption = caption; self.finals = finals
        self.partial = partial; self.connected = connected; self.message = message
    }

    /// One line of JSON (no newline inside: JSONEncoder escapes control characters), with `<`
    /// escaped so the text can also sit inside the page's <script> element.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{\"type\":\"\(type)\"}" }
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
    }
}
