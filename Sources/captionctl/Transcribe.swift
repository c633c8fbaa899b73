import ArgumentParser

// Placeholder: replaced by the issue that builds it.
struct Transcribe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "transcribe", abstract: "(not built yet)")
    func run() throws { throw ValidationError("captionctl transcribe is not built yet") }
}
