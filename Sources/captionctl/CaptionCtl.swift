import ArgumentParser
import Foundation
import Models

@main
struct CaptionCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "captionctl",
        abstract: "Control and subscribe to captiond; caption, evaluate and score offline.",
        subcommands: [
            Transcribe.self, Eval.self, Score.self, Devices.self, Faces.self, Simulate.self,
            Corpus.self, Train.self, LanguageModelCommand.self,
            Status.self, Pause.self, Resume.self, SetOption.self, Reload.self, Subscribe.self, Overlay.self,
        ]
    )

    /// Runs the command; failures already explained in one line print as "captionctl: …".
    static func main() {
        // OpenBLAS's kernels for this CPU (`OpenBLASCore`): a re-exec before anything runs.
        InferenceThreads.reexecWithKernelsForThisCPU()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let CleanExit.failure(message) {
            printError("captionctl: " + message)
            Foundation.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}
