import ArgumentParser
import IPC

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reload", abstract: "Re-read the daemon's configuration (and model, if it changed) without dropping subscribers.")
    @OptionGroup var daemon: DaemonSocketOptions
    func run() throws { print(try daemon.send(.reload).message ?? "reloaded") }
}
