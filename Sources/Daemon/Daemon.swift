import Foundation
import CaptionCore
import IPC
import Streaming

/// The captiond service: capture → recognizer → caption socket, with a control socket, systemd
/// notifications, signals and reload. Build it with `make`, then `run()` blocks until SIGTERM
/// (or `requestStop()`), finishing the current utterance as a final caption before it returns.
public final class Daemon {
    public struct Options {
        /// Install SIGTERM/SIGINT/SIGHUP handlers (sigaction + a pipe; handlers only set flags).
        public var handleSignals = true
        /// Seconds between `status` events on the caption socket and STATUS= lines.
        public var statusInterval = 5.0
        /// The file `reload` re-reads; nil when started without one (reload then re-applies defaults).
        public var configPath: String?
        /// A model load (`set model`, reload) that takes longer is abandoned; the running model stays.
        public var modelLoadTimeout: Double
        /// After SIGTERM the process ends within this many seconds even when something blocks the
        /// clean stop (nil: no deadline; `captiond` uses 20 s, inside the unit's TimeoutStopSec=30s).
        public var stopDeadline: Double?
        public init(handleSignals: Bool = true, statusInterval: Double = 5, configPath: String? = nil,
                    modelLoadTimeout: Double = 120, stopDeadline: Double? = nil) {
            self.handleSignals = handleSignals; self.statusInterval = statusInterval; self.configPath = configPath
            self.modelLoadTimeout = modelLoadTimeout; self.stopDeadline = stopDeadline
        }
    }

    let stages: DaemonStages
    let notifier: SystemdNotifier
    let log: ServiceLog
    let options: Options
    let captions: CaptionServer
    let control: ControlServer
    private let router: Router

    // Owned by the pipeline thread.
    var config: DaemonConfig
    var audio: AudioInput?
    var video: VideoInput?
    var recognizer: CaptionRecognizer?
    /// A model being loaded off the pipeline thread (`set model`, reload); the old one keeps serving.
    var modelSwap: ModelSwap?
    /// The caption stream's sequence numbers: assigned here, once, as events are published.
    private var seq = 0

    // Shared with control and signal threads; guarded by `lock`.
    let lock = NSCondition()
    var snapshot: Snapshot
    var commands: [PendingCommand] = []
    var pipelineRunning = false
    private var stopRequested = false
    private var reloadRequested = false
    let startTime = MonotonicClock.now()

    /// What other threads may read: the state, effective model settings and latest figures.
    struct Snapshot {
        var state = "starting"
        var model: DaemonConfig.Model
        var rtf = 0.0
        var lag = 0.0, maxLag = 0.0
        var warning: String?
        var audio = CaptureCounters()
        var video = CaptureCounters()
        /// The camera analysis (faces, speaker, rates); nil without it.
        var faces: VideoAnalysisStatus?
    }

    /// Forwards server callbacks to the daemon once it exists.
    final class Router { weak var daemon: Daemon? }

    /// Binds the sockets (or adopts systemd's) and assembles the daemon; nothing runs yet.
    public static func make(config: DaemonConfig, stages: DaemonStages, activated: ActivatedSockets? = nil,
                            notifier: SystemdNotifier = SystemdNotifier(), log: ServiceLog,
                            options: Options = Options()) throws -> Daemon {
        let mode = mode_t(config.sockets.mode)
        func listener(_ passed: Int32?, _ path: String) throws -> Int32 {
            if let fd = passed { return fd }
            let dir = (path as NSString).deletingLastPathComponent
            if !FileManager.default.fileExists(atPath: dir) {
                do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                    throw DaemonError.stage(name: "sockets", reason: "cannot create \(dir): \(error.localizedDescription)")
                }
            }
            do { return try UnixSocket.listen(path: path, mode: mode, group: config.sockets.group) } catch {
                throw DaemonError.stage(name: "sockets", reason: "\(error)")
            }
        }
        let captionsFd = try listener(activated?.captions, config.sockets.captions)
        let controlFd: Int32
        do { controlFd = try listener(activated?.control, config.sockets.control) } catch {
            close(captionsFd); throw error
        }
        return Daemon(config: config, stages: stages, captionsFd: captionsFd, controlFd: controlFd,
                      notifier: notifier, log: log, options: options)
    }

    private init(config: DaemonConfig, stages: DaemonStages, captionsFd: Int32, controlFd: Int32,
                 notifier: SystemdNotifier, log: ServiceLog, options: Options) {
        self.config = config; self.stages = stages; self.notifier = notifier; self.log = log; self.options = options
        self.snapshot = Snapshot(model: config.model)
        let router = Router()
        self.router = router
        captions = CaptionServer(listener: captionsFd, options: .init(queueCapacity: config.sockets.queueLines,
                                 maxSubscribers: config.sockets.maxSubscribers, log: { log.warning($0) })) {
            router.daemon?.hello() ?? .hello(CaptionHello(model: config.model.name, language: config.model.language, task: config.model.task.rawValue))
        }
        control = ControlServer(listener: controlFd, maxConnections: config.sockets.maxControlConnections,
                                log: { log.warning($0) }) { request in
            router.daemon?.handle(request) ?? .failure(ControlFailure(code: .failed, message: "daemon is shutting down"))
        }
        router.daemon = self
    }

    /// Subscribers connected to the caption socket.
    public var subscriberCount: Int { captions.subscriberCount }

    /// Asks `run()` to finish the current utterance and return (what SIGTERM does).
    public func requestStop() { lock.lock(); stopRequested = true; lock.broadcast(); lock.unlock() }

    var isStopRequested: Bool { lock.lock(); defer { lock.unlock() }; return stopRequested }

    /// Asks the pipeline to re-read the configuration (what SIGHUP does).
    public func requestReload() { lock.lock(); reloadRequested = true; lock.unlock() }

    func hello() -> CaptionEvent {
        lock.lock(); defer { lock.unlock() }
        let m = snapshot.model
        return .hello(CaptionHello(model: m.name, language: m.language, task: m.task.rawValue))
    }

    func setState(_ s: String) { lock.lock(); snapshot.state = s; lock.unlock() }

    /// Numbers partials/finals in one sequence and sends them to every subscriber.
    func publish(_ events: [CaptionEvent]) {
        for e in events {
            if case .final(var f) = e, f.wall == nil {
                f.wall = Date().timeIntervalSince1970 - (MonotonicClock.now() - f.end)
                captions.publish(CaptionEvent.final(f).withSeq(seq))
            } else {
                captions.publish(e.withSeq(seq))
            }
            seq += 1
        }
    }

    /// Ends the current utterance and publishes its final (errors are logged, not fatal).
    func finishUtterance() {
        guard let r = recognizer else { return }
        do { publish(try r.finishUtterance()) } catch { log.warning("finishing the utterance failed: \(error)") }
    }

    /// Runs the service until stopped. Returns the process exit code (0 after a clean stop).
    public func run() -> Int32 {
        if options.handleSignals { SignalHub.shared.attach(self) }
        defer { SignalHub.shared.detach(self) }
        captions.start()
        control.start()
        // Loading the model and opening the inputs may block (a FIFO with no writer): both run on
        // a loader thread, and a stop request ends the wait.
        let model = config.model, streaming = config.streaming, stages = self.stages
        let load = BackgroundTask(name: "captiond-load") { try stages.recognizer(model, streaming) }
        guard let loaded = waitForStartUp(load) else { return stopDuringStartUp() }
        let cfg = config
        let opened: Result<(AudioInput, VideoInput?), Error>
        switch loaded {
        case .failure(let error): opened = .failure(error)
        case .success(let r):
            recognizer = r
            let open = BackgroundTask(name: "captiond-open") { try Daemon.openInputs(cfg, stages: stages) }
            guard let o = waitForStartUp(open) else { return stopDuringStartUp() }
            opened = o
        }
        switch opened {
        case .success(let (a, v)): audio = a; video = v
        case .failure(let error):
            log.error("start-up failed: \(error)")
            notifier.notify("STATUS=start-up failed: \(error)")
            stopInputs(); captions.stop(); control.stop()
            if case DaemonError.config = error { return 78 } // EX_CONFIG
            return 1
        }
        lock.lock(); pipelineRunning = true; snapshot.state = "running"; lock.unlock()
        notifier.ready(status: statusLine())
        log.notice("ready: model \(config.model.name), language \(config.model.language), captions on \(config.sockets.captions)")

        let code = pipelineLoop()

        lock.lock(); pipelineRunning = false; let pending = commands; commands.removeAll(); snapshot.state = "stopping"; lock.unlock()
        for c in pending { c.complete(.failure(ControlFailure(code: .failed, message: "daemon is stopping"), cmd: c.command.name)) }
        if let swap = modelSwap {
            modelSwap = nil
            swap.reply?.complete(.failure(ControlFailure(code: .failed, message: "daemon is stopping; the model load was abandoned"), cmd: swap.command))
        }
        notifier.stopping()
        log.notice("stopping: finishing the current utterance")
        finishUtterance()
        stopInputs()
        recognizer?.stopBackgroundWork()
        captions.stop()
        control.stop()
        log.notice("stopped")
        return code
    }

    /// Waits for a start-up task; nil when a stop was requested first.
    private func waitForStartUp<T>(_ task: BackgroundTask<T>) -> Result<T, Error>? {
        while true {
            if let r = task.wait(seconds: 0.2) { return r }
            if isStopRequested { return nil }
        }
    }

    private func stopDuringStartUp() -> Int32 {
        log.notice("stopped during start-up")
        notifier.stopping()
        stopInputs(); captions.stop(); control.stop()
        return 0
    }

    private func pipelineLoop() -> Int32 {
        let watchdog = notifier.watchdogPeriod()
        var lastWatchdog = -Double.infinity
        var lastStatus = MonotonicClock.now()
        var inputEnded = false
        while true {
            lock.lock()
            let stop = stopRequested, reload = reloadRequested
            reloadRequested = false
            lock.unlock()
            if stop { return 0 }
            if reload { performReload(reply: nil) }
            runPendingCommands()

            checkModelSwap()
            if let v = video {
                v.route(sink: recognizer?.frameSink, keepFrames: recognizer?.needsFramesOnPipeline ?? false)
                let frames = v.take()
                if let r = recognizer { for frame in frames { r.accept(video: frame) } }
            }
            if let input = audio, !inputEnded {
                do {
                    switch try input.read(timeout: 0.1) {
                    case .item(let chunk):
                        if !isPaused, let r = recognizer {
                            do { publish(try r.accept(audio: chunk)) } catch {
                                log.warning("recognizer dropped \(chunk.samples.count) samples at \(chunk.startTime): \(error)")
                            }
                        }
                    case .timeout: break
                    case .end:
                        log.notice("audio input ended; serving subscribers until stopped")
                        finishUtterance()
                        inputEnded = true
                        setState("idle")
                    }
                } catch {
                    log.error("audio capture failed: \(error)")
                    notifier.notify("STATUS=audio capture failed: \(error)")
                    return 1
                }
            } else {
                lock.lock(); _ = lock.wait(until: Date(timeIntervalSinceNow: 0.1)); lock.unlock()
            }
            let rtf = recognizer?.realTimeFactor ?? 0
            let warning = recognizer?.warning
            if (warning == nil) != (snapshot.warning == nil) {
                if let warning { log.warning(warning) } else { log.notice("the model keeps up again") }
            }
            let a = audio?.counters
            var v = video?.counters
            v?.dropped += recognizer?.skippedFrames ?? 0
            let faces = video == nil ? nil : recognizer?.videoStatus
            lock.lock()
            snapshot.faces = faces
            snapshot.rtf = rtf
            snapshot.lag = recognizer?.lag ?? 0; snapshot.maxLag = recognizer?.maxLag ?? 0; snapshot.warning = warning
            if let a { snapshot.audio = a }
            if let v { snapshot.video = v }
            lock.broadcast()   // wakes `waitForStatus`
            lock.unlock()

            let now = MonotonicClock.now()
            if let period = watchdog, now - lastWatchdog >= period / 4 {
                notifier.watchdog()
                lastWatchdog = now
            }
            if now - lastStatus >= options.statusInterval {
                lastStatus = now
                let s = status()
                captions.publish(.status(CaptionStatus(state: s.state, rtf: s.rtf, droppedSamples: s.audioDropped,
                                                       droppedFrames: s.videoDropped, subscribers: s.subscribers)))
                notifier.status(statusLine())
            }
        }
    }

    var isPaused: Bool { lock.lock(); defer { lock.unlock() }; return snapshot.state == "paused" }

    /// Opens and starts the configured inputs (may block: runs on a loader thread).
    static func openInputs(_ config: DaemonConfig, stages: DaemonStages) throws -> (AudioInput, VideoInput?) {
        let a = try stages.audio(config.audio)
        do { try a.start() } catch let e as DaemonError { throw e } catch {
            throw DaemonError.stage(name: "audio (\(config.audio.source.rawValue))", reason: "\(error)")
        }
        guard config.video.enabled else { return (a, nil) }
        do {
            let v = try stages.video(config.video)
            do { try v.start() } catch let e as DaemonError { throw e } catch {
                throw DaemonError.stage(name: "video (\(config.video.source.rawValue))", reason: "\(error)")
            }
            return (a, v)
        } catch {
            a.stop()
            throw error
        }
    }

    /// Opens the inputs again (reload), giving up after `seconds`.
    func startInputs(within seconds: Double = 30) throws {
        let cfg = config, stages = self.stages
        let open = BackgroundTask(name: "captiond-open") { try Daemon.openInputs(cfg, stages: stages) }
        guard let r = open.wait(seconds: seconds) else {
            throw DaemonError.stage(name: "capture", reason: "opening the inputs did not finish within \(Int(seconds)) s (a FIFO with no writer?)")
        }
        let (a, v) = try r.get()
        audio = a; video = v
    }

    func stopInputs() {
        audio?.stop(); audio = nil
        video?.stop(); video = nil
    }
}
