import Foundation
import CaptionCore
import Capture
import Streaming

/// `audio.source = "alsa"`: an ALSA capture PCM (a microphone, or alsa-lib's `file` plugin in
/// tests) read by `ALSACapture` on its own thread into a sample ring the pipeline drains; a read
/// waits on the ring's wake-up, not a sleep loop.
/// `audio.pace = "realtime"` also paces the reads by the wall clock: required for the unpaced
/// `file` PCM, and a no-op on a real device, whose reads block until a period is captured.
final class ALSAAudioInput: AudioInput {
    let config: DaemonConfig.Audio
    private let log: ServiceLog?
    private let ring = SampleRing(capacity: AudioRate.model * 30, sampleRate: AudioRate.model)
    private var capture: ALSACapture?
    /// Samples taken per read (0.1 s).
    private let readSamples = 1_600

    init(config: DaemonConfig.Audio, log: ServiceLog? = nil) { self.config = config; self.log = log }

    func start() throws {
        let alsa = ALSAConfiguration(device: config.device, deviceRate: AudioRate.model, deviceChannels: 1,
                                     paceRealTime: config.pace == .realtime)
        // Open once here so a missing or busy device stops start-up with its reason.
        let first: PCMStream
        do { first = try ALSAPCM(configuration: alsa) } catch {
            throw DaemonError.stage(name: "audio (alsa \"\(config.device)\")", reason: "\(error)")
        }
        let handoff = PCMHandoff(first)
        let log = self.log
        let c = ALSACapture(configuration: alsa, ring: ring, resamplers: CaptureConversions.resamplers,
                            open: { try handoff.take() ?? ALSAPCM(configuration: alsa) },
                            log: { line in log?.warning(line) })
        c.start()
        capture = c
    }

    func read(timeout: Double) throws -> StageRead<AudioChunk> {
        if let chunk = ring.read(maxCount: readSamples) { return .item(chunk) }
        guard ring.waitForSamples(timeout: timeout), let chunk = ring.read(maxCount: readSamples) else { return .timeout }
        return .item(chunk)
    }

    func stop() {
        if let error = capture?.stop() { log?.warning("audio capture ended with: \(error)") }
        capture = nil
    }

    var counters: CaptureCounters {
        CaptureCounters(captured: Int(ring.totalWritten), dropped: Int(ring.totalDropped))
    }
}

/// Hands the PCM opened during start-up to the capture thread's first open, exactly once.
private final class PCMHandoff: @unchecked Sendable {
    private let lock = NSLock()
    private var pcm: PCMStream?
    init(_ pcm: PCMStream) { self.pcm = pcm }
    func take() -> PCMStream? { lock.lock(); defer { lock.unlock() }; let p = pcm; pcm = nil; return p }
}
