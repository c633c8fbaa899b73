import ArgumentParser
import IPC

struct SetOption: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Change the language, task, model, hotwords or Chinese script of the running daemon.",
                                                    discussion: "Examples: captionctl set language zh; captionctl set task translate; captionctl set model base; captionctl set hotwords \"Dashwood, Kinsale\" (\"\" clears them); captionctl set script traditional (simplified, traditional or as-is)")
    @OptionGroup var daemon: DaemonSocketOptions
    @Argument(help: "language, task, model, hotwords or script") var key: String
    @Argument(help: "The new value (a language code or auto; transcribe or translate; a model name or path; words; simplified, traditional or as-is).") var value: String

    func run() throws {
        guard let setting = ControlSetting(rawValue: key) else {
            throw ValidationError("unknown setting \"\(key)\"; use language, task, model, hotwords or script")
        }
        print(try daemon.send(.set(setting, value)).message ?? "ok")
    }
}
