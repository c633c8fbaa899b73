import ArgumentParser

@main
struct CaptionCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "captionctl",
        abstract: "Control and subscribe to captiond; caption, evaluate and score offline.",
        subcommands: [
            Transcribe.self, Eval.self, Score.self, Devices.self,
            Status.self, Pause.self, Resume.self, SetOption.self, Reload.self, Subscribe.self,
        ]
    )
}
