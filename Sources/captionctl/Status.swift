import ArgumentParser

// Placeholder: replaced by the issue that builds it.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "(not built yet)")
    func run() throws { throw ValidationError("captionctl status is not built yet") }
}
