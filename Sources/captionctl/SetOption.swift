import ArgumentParser

// Placeholder: replaced by the issue that builds it.
struct SetOption: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "(not built yet)")
    func run() throws { throw ValidationError("captionctl set is not built yet") }
}
