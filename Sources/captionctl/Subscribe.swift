import ArgumentParser

// Placeholder: replaced by the issue that builds it.
struct Subscribe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "subscribe", abstract: "(not built yet)")
    func run() throws { throw ValidationError("captionctl subscribe is not built yet") }
}
