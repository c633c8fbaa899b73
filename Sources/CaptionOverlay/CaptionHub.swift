import CaptionCore
import Foundation

/// What the page shows, and the open event streams to the pages. The bridge thread publishes the
/// daemon's events; each HTTP event stream subscribes. Thread-safe (one lock): the bridge reads a
/// blocking Unix socket on its own thread, the streams run on Hummingbird's event loops.
public final class CaptionHub: @unchecked Sendable {
    /// Finals kept for a page that connects mid-session (the page shows the last `lines`).
    public static let keptFinals = 10
    /// Messages buffered per slow page before the oldest are dropped (a stalled browser never
    /// grows the overlay's memory).
    public static let bufferPerPage = 256

    private let lock = NSLock()
    private var finals: [OverlayCaption] = []
    private var partial: OverlayCaption?
    private var connected = false
    private var bridgeMessage = "not connected to captiond yet"
    private var pages: [Int: AsyncStream<String>.Continuation] = [:]
    private var nextPage = 0

    public init() {}

    /// Applies one daemon event and forwards it to every page; hello, status and error events
    /// change nothing on the page.
    public func publish(_ event: CaptionEvent) {
        let message: OverlayMessage
        switch event {
        case .partial(let p):
            let caption = OverlayCaption(seq: p.seq, utterance: p.utterance, text: p.text, speaker: p.speaker?.label)
            message = OverlayMessage(type: "partial", caption: caption)
            lock.withLock { partial = caption }
        case .final(let f):
            let caption = OverlayCaption(seq: f.seq, utterance: f.utterance, text: f.text.trimmingCharacters(in: .whitespaces),
                                         speaker: f.speaker?.label)
            message = OverlayMessage(type: "final", caption: caption)
            lock.withLock {
                partial = nil
                if !caption.text.isEmpty { finals = Array((finals + [caption]).suffix(Self.keptFinals)) }
            }
        case .hello, .status, .error:
            return
        }
        broadcast(message.json())
    }

    /// Records whether the bridge reaches captiond, and tells the pages.
    public func setBridge(connected: Bool, message: String) {
        lock.withLock { self.connected = connected; bridgeMessage = message }
        broadcast(OverlayMessage(type: "bridge", connected: connected, message: message).json())
    }

    /// Everything the page shows now.
    public func state() -> OverlayMessage {
        lock.withLock {
            OverlayMessage(type: "state", finals: finals, partial: partial, connected: connected, message: bridgeMessage)
        }
    }

    public var pageCount: Int { lock.withLock { pages.count } }

    /// A new page's event stream: the current state first, then every message as published.
    public func subscribe() -> AsyncStream<String> {
        AsyncStream(bufferingPolicy: .bufferingNewest(Self.bufferPerPage)) { continuation in
            let id: Int = lock.withLock {
                let id = nextPage
                nextPage += 1
                pages[id] = continuation
                continuation.yield(OverlayMessage(type: "state", finals: finals, partial: partial,
                                                  connected: connected, message: bridgeMessage).json())
                return id
            }
            continuation.onTermination = { [weak self] _ in
                guard let self else { return }
                _ = self.lock.withLock { self.pages.removeValue(forKey: id) }
            }
        }
    }

    /// Sends `line` to every page (an SSE comment line when `line` starts with ":").
    public func broadcast(_ line: String) {
        let targets = lock.withLock { Array(pages.values) }
        for continuation in targets { continuation.yield(line) }
    }
}
