import ArgumentParser
import IPC

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume captioning after pause.")
    @OptionGroup var daemon: DaemonSocketOptions
    func run() throws { print(try daemon.send(.resume).message ?? "running") }
}
