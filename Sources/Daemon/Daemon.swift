import Foundation
import CaptionCore
import IPC

/// The captiond service: capture → recognizer → caption socket, with a control socket, systemd
/// notifications, signals and reload. Build it with `make`, then `run()` blocks until SIGTERM
/// (or `requestStop()`), finishing the current utterance as a final caption before it returns.
public final class Daemon {
    public struct Options {
        /// Install SIGTERM/SIGINT/SIGHUP handlers (DispatchSource; handlers only set flags).
        public var handleSignals = true
        /// Seconds between `status` events on the caption socket and STATUS= lines.
        public var statusInterval = 5.0
        /// The file `reload` re-reads; nil when started without one (reload then re-applies defaults).
        public var configPath: String?
        public init(handleSignals: Bool = true, statusInterval: Double = 5, configPath: String? = nil) {
            self.handleSignals = handleSignals; self.statusInterval = statusInterval; self.configPath = configPath
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
    var videoPump: VideoPump?
    var recognizer: CaptionRecognizer?
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
        var audio = CaptureCounters()
        var video = CaptureCounters()
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
        do {
            let r = try stages.recognizer(config.model, config.streaming)
            try r.prepare()
            recognizer = r
            try startInputs()
        } catch {
            log.error("start-up failed: \(error)")
            notifier.notify("STATUS=start-up failed: \(error)")
            stopInputs(); captions.stop(); control.stop()
            return 1
        }
        lock.lock(); pipelineRunning = true; snapshot.state = "running"; lock.unlock()
        notifier.ready(status: statusLine())
        log.notice("ready: model \(config.model.name), language \(config.model.language), captions on \(config.sockets.captions)")

        let code = pipelineLoop()

        lock.lock(); pipelineRunning = false; let pending = commands; commands.removeAll(); snapshot.state = "stopping"; lock.unlock()
        for c in pending { c.complete(.failure(ControlFailure(code: .failed, message: "daemon is stopping"), cmd: c.command.name)) }
        notifier.stopping()
        log.notice("stopping: finishing the current utterance")
        finishUtterance()
        stopInputs()
        captions.stop()
        control.stop()
        log.notice("stopped")
        return code
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
            if reload { _ = performReload() }
            runPendingCommands()

            if let pump = videoPump, let r = recognizer {
                for frame in pump.take() { r.accept(video: frame) }
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
            let a = audio?.counters, v = videoPump?.counters
            lock.lock()
            snapshot.rtf = rtf
            if let a { snapshot.audio = a }
            if let v { snapshot.video = v }
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

    func startInputs() throws {
        let a = try stages.audio(config.audio)
        do { try a.start() } catch { throw DaemonError.stage(name: "audio (\(config.audio.source.rawValue))", reason: "\(error)") }
        audio = a
        if config.video.enabled {
            let pump = VideoPump(input: try stages.video(config.video), log: log)
            do { try pump.start() } catch { throw DaemonError.stage(name: "video (\(config.video.source.rawValue))", reason: "\(error)") }
            videoPump = pump
        }
    }

    func stopInputs() {
        audio?.stop(); audio = nil
        videoPump?.stop(); videoPump = nil
    }
}
