import ArgumentParser

// Placeholder: replaced by the issue that builds it.
struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "(not built yet)")
    func run() throws { throw ValidationError("captionctl pause is not built yet") }
}
