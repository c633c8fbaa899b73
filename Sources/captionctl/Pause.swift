import ArgumentParser
import IPC

struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop captioning (the current utterance is finished first); capture keeps running.")
    @OptionGroup var daemon: DaemonSocketOptions
    func run() throws { print(try daemon.send(.pause).message ?? "paused") }
}
