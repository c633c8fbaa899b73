import ArgumentParser

// Placeholder: replaced by the issue that builds it.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "score", abstract: "(not built yet)")
    func run() throws { throw ValidationError("captionctl score is not built yet") }
}
