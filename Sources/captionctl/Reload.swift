import ArgumentParser

// Placeholder: replaced by the issue that builds it.
struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reload", abstract: "(not built yet)")
    func run() throws { throw ValidationError("captionctl reload is not built yet") }
}
