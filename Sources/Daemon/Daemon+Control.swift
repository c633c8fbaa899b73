import Foundation
import CaptionCore
import IPC
import Streaming

/// A control request that must run on the pipeline thread (it touches stages).
enum PipelineCommand {
    case pause, resume, reload
    case setModel(DaemonConfig.Model)

    var name: String {
        switch self {
        case .pause: return "pause"
        case .resume: return "resume"
        case .reload: return "reload"
        case .setModel: return "set"
        }
    }
}

/// A model loading on a loader thread while the running one keeps serving; swapped in by the
/// pipeline thread when it is ready, abandoned after `Daemon.Options.modelLoadTimeout`.
struct ModelSwap {
    let task: BackgroundTask<CaptionRecognizer>
    let model: ModelSettings
    let streaming: StreamingConfiguration
    /// The control request waiting for the outcome (nil for SIGHUP).
    let reply: PendingCommand?
    let command: String
    /// What the reply says on success.
    let success: String
    let deadline: Double
}

/// A queued command and the way to hand its reply back to the waiting control thread.
final class PendingCommand {
    let command: PipelineCommand
    private let done = DispatchSemaphore(value: 0)
    private var reply: ControlReply?
    init(_ command: PipelineCommand) { self.command = command }
    func complete(_ r: ControlReply) { reply = r; done.signal() }
    func wait(timeout: Double) -> ControlReply? {
        done.wait(timeout: .now() + timeout) == .success ? reply : nil
    }
}

extension Daemon {
    /// Answers one control request (runs on a control connection's thread).
    func handle(_ request: ControlRequest) -> ControlReply {
        switch request {
        case .status: return .success("status", status: status())
        case .pause: return enqueue(.pause)
        case .resume: return enqueue(.resume)
        case .reload: return enqueue(.reload)
        case let .set(key, value):
            lock.lock(); var model = snapshot.model; lock.unlock()
            switch key {
            case .language:
                guard ConfigLoader.isLanguage(value) else {
                    return .failure(ControlFailure(code: .badValue, message: "language must be \"auto\" or a 2–3 letter code such as \"en\" or \"zh\", got \"\(value)\""), cmd: "set")
                }
                model.language = value
            case .task:
                guard let task = ModelSettings.Task(rawValue: value) else {
                    return .failure(ControlFailure(code: .badValue, message: "task must be \"transcribe\" or \"translate\", got \"\(value)\""), cmd: "set")
                }
                model.task = task
            case .model:
                model.name = value
            case .hotwords:
                switch LiveSettingCheck.hotwords(value) {
                case .success(let words): model.hotwords = words
                case .failure(let why): return .failure(why, cmd: "set")
                }
            case .script:
                switch LiveSettingCheck.script(value) {
                case .success(let script): model.script = script
                case .failure(let why): return .failure(why, cmd: "set")
                }
            }
            return enqueue(.setModel(model))
        }
    }

    private func enqueue(_ command: PipelineCommand) -> ControlReply {
        let pending = PendingCommand(command)
        lock.lock()
        guard pipelineRunning else {
            lock.unlock()
            return .failure(ControlFailure(code: .failed, message: "the pipeline is not running (starting or stopping); try again"), cmd: command.name)
        }
        commands.append(pending)
        lock.unlock()
        // Model loads can take a while on a busy machine; the wait is generous.
        return pending.wait(timeout: 300)
            ?? .failure(ControlFailure(code: .failed, message: "\(command.name) did not complete within 300 s"), cmd: command.name)
    }

    /// Runs queued control commands (pipeline thread).
    func runPendingCommands() {
        lock.lock(); let pending = commands; commands.removeAll(); lock.unlock()
        for p in pending {
            switch p.command {
            case .pause:
                if !isPaused { finishUtterance(); setState("paused"); notifier.status("paused") }
                log.notice("paused")
                p.complete(.success("pause", message: "paused; captions stop until resume"))
            case .resume:
                if isPaused { setState("running"); notifier.status(statusLine()) }
                log.notice("resumed")
                p.complete(.success("resume", message: "running"))
            case .reload:
                performReload(reply: p)
            case .setModel(let model):
                startModelSwap(model: model, streaming: config.streaming, reply: p, command: "set",
                               success: "model \(model.name), language \(model.language), task \(model.task.rawValue), hotwords \"\(model.hotwords)\", script \(model.script.rawValue)")
            }
        }
    }

    /// Starts loading a recognizer for `model` on a loader thread; the running one keeps serving
    /// until `checkModelSwap` swaps it in (or gives up on it).
    func startModelSwap(model: ModelSettings, streaming: StreamingConfiguration, reply: PendingCommand?,
                        command: String, success: String) {
        if modelSwap != nil {
            reply?.complete(.failure(ControlFailure(code: .failed, message: "another model is still loading; try again when it is done"), cmd: command))
            return
        }
        let stages = self.stages
        let task = BackgroundTask<CaptionRecognizer>(name: "captiond-model") { try stages.recognizer(model, streaming) }
        modelSwap = ModelSwap(task: task, model: model, streaming: streaming, reply: reply, command: command,
                              success: success, deadline: MonotonicClock.now() + options.modelLoadTimeout)
        log.info("loading model \(model.name) (language \(model.language), task \(model.task.rawValue)); the running model keeps serving")
    }

    /// Swaps in a loaded recognizer (finishing the old utterance first), or reports a failed or
    /// timed-out load with the old model still running (pipeline thread).
    func checkModelSwap() {
        guard let swap = modelSwap else { return }
        guard let result = swap.task.result else {
            if MonotonicClock.now() >= swap.deadline {
                modelSwap = nil
                let why = "loading model \(swap.model.name) did not finish within \(Int(options.modelLoadTimeout)) s; the running model \(config.model.name) stays"
                log.error(why)
                swap.reply?.complete(.failure(ControlFailure(code: .failed, message: why), cmd: swap.command))
            }
            return
        }
        modelSwap = nil
        switch result {
        case .success(let fresh):
            finishUtterance()
            recognizer = fresh
            HeapTrim.releaseFreedMemory()   // the old model's weights are freed now
            config.model = swap.model
            config.streaming = swap.streaming
            lock.lock(); snapshot.model = swap.model; lock.unlock()
            log.notice("recognizer now uses model \(swap.model.name), language \(swap.model.language), task \(swap.model.task.rawValue)")
            captions.publish(hello())
            swap.reply?.complete(.success(swap.command, message: swap.success))
        case .failure(let error):
            log.error("model \(swap.model.name) failed to load, keeping \(config.model.name): \(error)")
            let message = swap.command == "reload" ? "reload: model failed to load, kept the running one: \(error)" : "\(error)"
            swap.reply?.complete(.failure(ControlFailure(code: .failed, message: message), cmd: swap.command))
        }
    }

    /// Re-reads the configuration and applies what changed; subscribers stay connected. A model
    /// change loads in the background and `reply` completes when it is swapped in.
    func performReload(reply: PendingCommand?) {
        let answer = reload(reply: reply)
        if let answer { reply?.complete(answer) }
    }

    /// The reload itself; nil when the reply waits for a model load.
    private func reload(reply: PendingCommand?) -> ControlReply? {
        notifier.reloading()
        let previousState = isPaused ? "paused" : "running"
        setState("reloading")
        defer {
            setState(previousState)
            notifier.ready(status: statusLine())
        }
        let fresh: DaemonConfig
        do {
            if let path = options.configPath {
                fresh = try ConfigLoader.load(path: path, missingIsDefault: path == DaemonConfig.defaultPath)
            } else {
                fresh = DaemonConfig()
            }
        } catch {
            log.error("reload failed, keeping the running configuration: \(error)")
            return .failure(ControlFailure(code: .failed, message: "reload failed, configuration unchanged: \(error)"), cmd: "reload")
        }
        var changes: [String] = []
        if fresh.log != config.log { log.setLevel(fresh.log.level); config.log = fresh.log; changes.append("log") }
        if fresh.sockets != config.sockets {
            log.warning("socket settings changed; they take effect at the next restart")
            changes.append("sockets (at next restart)")
        }
        if fresh.audio != config.audio || fresh.video != config.video {
            finishUtterance()
            stopInputs()
            let old = config
            config.audio = fresh.audio; config.video = fresh.video
            do { try startInputs(); changes.append("capture") } catch {
                log.error("reload: capture failed to start with the new settings, restoring the old ones: \(error)")
                stopInputs()
                config.audio = old.audio; config.video = old.video
                do { try startInputs() } catch { log.error("reload: restoring capture failed too: \(error)") }
                return .failure(ControlFailure(code: .failed, message: "reload: capture failed with the new settings: \(error)"), cmd: "reload")
            }
        }
        if fresh.model != config.model || fresh.streaming != config.streaming {
            changes.append("model")
            let summary = "reloaded: " + changes.joined(separator: ", ")
            log.notice(summary + " (model loading)")
            startModelSwap(model: fresh.model, streaming: fresh.streaming, reply: reply, command: "reload", success: summary)
            return nil
        }
        let summary = changes.isEmpty ? "configuration unchanged" : "reloaded: " + changes.joined(separator: ", ")
        log.notice(summary)
        return .success("reload", message: summary)
    }

    /// The figures `captionctl status` shows.
    public func status() -> StatusReport {
        lock.lock(); let s = snapshot; lock.unlock()
        let a = s.audio, v = s.video
        return StatusReport(state: s.state, model: s.model.name, language: s.model.language, task: s.model.task.rawValue,
                            rtf: s.rtf, audioSamples: a.captured, audioDropped: a.dropped,
                            videoFrames: v.captured, videoDropped: v.dropped,
                            subscribers: captions.subscriberCount, uptimeS: MonotonicClock.now() - startTime,
                            lag: s.lag, maxLag: s.maxLag, warning: s.warning,
                            faces: s.faces?.facesInView, speakingFace: s.faces?.speakingFace,
                            videoAnalysisFps: s.faces.map { ($0.analysisFps * 10).rounded() / 10 },
                            videoFps: s.faces.map { ($0.cameraFps * 10).rounded() / 10 },
                            hotwords: s.model.hotwords, script: s.model.script.rawValue)
    }

    /// Waits until `condition` holds for `status()` or `timeout` seconds pass; returns whether it
    /// held. Woken by the pipeline loop each time it updates the figures (at least every 0.1 s
    /// while it runs, so an update between the check and the wait delays the wake, never loses it).
    func waitForStatus(timeout: Double, until condition: (StatusReport) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while !condition(status()) {
            lock.lock(); let woken = lock.wait(until: deadline); lock.unlock()
            if !woken { return condition(status()) }
        }
        return true
    }

    func statusLine() -> String {
        let s = status()
        return "\(s.state): model \(s.model) (\(s.language), \(s.task)), rtf \(String(format: "%.2f", s.rtf)), lag \(String(format: "%.1f", s.lag)) s\(s.warning.map { " (\($0))" } ?? ""), \(s.subscribers) subscriber(s), \(s.audioDropped) samples dropped"
    }
}
