import ArgumentParser

// Placeholder: replaced by the issue that builds it.
struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "devices", abstract: "(not built yet)")
    func run() throws { throw ValidationError("captionctl devices is not built yet") }
}
