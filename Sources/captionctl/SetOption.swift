import ArgumentParser
import IPC

struct SetOption: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Change the language, task, model or hotwords of the running daemon.",
                                                    discussion: "Examples: captionctl set language zh; captionctl set task translate; captionctl set model base; captionctl set hotwords \"Dashwood, Kinsale\" (\"\" clears them)")
    @OptionGroup var daemon: DaemonSocketOptions
    @Argument(help: "language, task, model or hotwords") var key: String
    @Argument(help: "The new value (a language code or auto; transcribe or translate; a model name or path).") var value: String

    func run() throws {
        guard let setting = ControlSetting(rawValue: key) else {
            throw ValidationError("unknown setting \"\(key)\"; use language, task, model or hotwords")
        }
        print(try daemon.send(.set(setting, value)).message ?? "ok")
    }
}
