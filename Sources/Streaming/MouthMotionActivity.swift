import CaptionCore
import Features

/// The interim camera gate: motion of the frame's lower centre (a speaking mouth when a face fills
/// the frame, `FrameMotion`) says someone speaks. Issue 12's face tracker replaces it behind
/// `SpeakerActivity`.
public final class MouthMotionActivity: SpeakerActivity {
    private var motion: FrameMotion?
    private var lastMotionAt = -Double.infinity
    private var lastFrameAt = -Double.infinity
    /// Mouth counts as active this long after the last frame with motion (syllable gaps).
    public let hold: Double
    /// Without frames for this long, video says nothing about speech.
    public let stale: Double
    public private(set) var skippedFrames = 0

    public init(hold: Double = 0.5, stale: Double = 1.0) { self.hold = hold; self.stale = stale }

    public func accept(frame: VideoFrame) {
        do {
            if motion?.width != frame.width || motion?.height != frame.height {
                motion = try FrameMotion(width: frame.width, height: frame.height)
            }
            lastFrameAt = frame.timestamp
            if try motion?.mouthActive(luma: frame.luma) == true { lastMotionAt = frame.timestamp }
        } catch {
            // A malformed frame: no gate from video until frames make sense again.
            motion = nil
            skippedFrames += 1
        }
    }

    public func speaking(at time: Double) -> Bool? {
        if motion == nil || time - lastFrameAt > stale { return nil }
        return time - lastMotionAt <= hold
    }
}
