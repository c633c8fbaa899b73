import ArgumentParser

// Placeholder: replaced by the issue that builds it.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "(not built yet)")
    func run() throws { throw ValidationError("captionctl eval is not built yet") }
}
