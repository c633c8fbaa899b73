import ArgumentParser

// Placeholder: replaced by the issue that builds it.
struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "(not built yet)")
    func run() throws { throw ValidationError("captionctl resume is not built yet") }
}
