import Foundation
import Streaming

extension Daemon {
    /// Re-executes `captiond` with OpenBLAS's kernels for this CPU when the library fell back to
    /// its slowest (`EngineKernels`); returns when there is nothing to do. Only the executable's
    /// `main` calls it (tests call `main(arguments:stages:)` in their own process).
    public static func reexecWithKernelsForThisCPU() {
        EngineKernels.reexecForThisCPU()
    }

    /// The whole of `captiond`: parse `--config FILE`, load and check the configuration, adopt
    /// systemd's sockets when socket-activated, run until SIGTERM. Returns the exit code.
    public static func main(arguments: [String], stages: DaemonStages = .live) -> Int32 {
        var configPath = DaemonConfig.defaultPath
        var explicit = false
        var args = arguments.dropFirst()
        while let arg = args.popFirst() {
            switch arg {
            case "--config", "-c":
                guard let value = args.popFirst() else {
                    FileHandle.standardError.write(Data("captiond: --config needs a file path\n".utf8)); return 2
                }
                configPath = value; explicit = true
            case "--help", "-h":
                print("usage: captiond [--config FILE]   (default \(DaemonConfig.defaultPath); see captiond.toml(5) / docs/CONFIGURATION.md)")
                return 0
            default:
                FileHandle.standardError.write(Data("captiond: unknown argument \"\(arg)\"; usage: captiond [--config FILE]\n".utf8)); return 2
            }
        }
        // Signals first: a SIGTERM during configuration loading or socket set-up stops start-up.
        SignalHub.shared.install()
        let bootLog = ServiceLog(level: .info)
        let config: DaemonConfig
        do { config = try ConfigLoader.load(path: configPath, missingIsDefault: !explicit) } catch {
            bootLog.error("\(error)")
            SystemdNotifier().notify("STATUS=configuration error: \(error)")
            return 78 // EX_CONFIG
        }
        let log = ServiceLog(level: config.log.level)
        log.info("engine: OpenBLAS \(EngineKernels.running) kernels")
        let daemon: Daemon
        do {
            let activated = try SocketActivation.fromEnvironment()
            if let a = activated {
                log.info("socket-activated: captions fd \(a.captions.map(String.init) ?? "-"), control fd \(a.control.map(String.init) ?? "-")")
            }
            daemon = try Daemon.make(config: config, stages: stages, activated: activated, log: log,
                                     options: Options(configPath: configPath, stopDeadline: 20))
        } catch {
            log.error("\(error)")
            SystemdNotifier().notify("STATUS=start-up failed: \(error)")
            return 1
        }
        return daemon.run()
    }
}
