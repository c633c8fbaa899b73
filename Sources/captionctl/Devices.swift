import ArgumentParser
import Capture

/// `captionctl devices`: ALSA capture PCMs and V4L2 cameras with formats, sizes and frame rates.
struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List ALSA capture devices and V4L2 cameras (formats, sizes, frame rates).")

    @Option(help: "Directory to scan for video devices.")
    var videoDirectory = "/dev"

    func run() throws {
        var audio: [DeviceList.AudioDevice] = []
        var audioError: String?
        do { audio = try DeviceList.audioCaptureDevices() } catch { audioError = "\(error)" }
        let video = DeviceList.videoDevices(directory: videoDirectory)
        print(DeviceList.report(audio: audio, audioError: audioError, video: video))
    }
}
