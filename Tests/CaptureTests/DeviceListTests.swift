import XCTest
import Foundation
@testable import Capture

final class DeviceListTests: XCTestCase {
    func testInspectListsTheFakeCameraFormats() {
        let fake = FakeV4L2Device()
        let info = DeviceList.inspect(path: "/dev/video0", device: fake.device)
        XCTAssertNil(info.problem)
        XCTAssertEqual(info.formats.map(\.fourcc), ["YUYV", "GREY"])
        XCTAssertEqual(fake.closeCount, 1)
        let missing = DeviceList.inspect(path: "/dev/video9", device: fake.device)
        XCTAssertTrue(missing.problem?.contains("No such file or directory") ?? false, "\(missing)")
    }

    func testReportSaysPlainlyWhenThereAreNoDevices() throws {
        let dir = NSTemporaryDirectory() + "captiond-nodev-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let video = DeviceList.videoDevices(directory: dir)
        XCTAssertEqual(video, [])
        let text = DeviceList.report(audio: [], audioError: nil, video: video)
        XCTAssertTrue(text.contains("Audio capture (ALSA PCMs):\n  none found"), text)
        XCTAssertTrue(text.contains("Video capture (V4L2):\n  none found (no /dev/video* device)"), text)
    }

    func testReportFormatsSizesAndRates() {
        let v = DeviceList.VideoDevice(path: "/dev/video0", card: "Cam", driver: "uvcvideo", formats: [
            .init(fourcc: "YUYV", description: "YUYV 4:2:2", sizes: [
                .init(width: 640, height: 480, framesPerSecond: [30, 15], label: "640x480"),
                .init(width: 320, height: 240, framesPerSecond: [29.97], label: "320x240"),
            ]),
        ], problem: nil)
        let text = DeviceList.report(audio: [.init(name: "default", description: "Default ALSA Output")], audioError: nil, video: [v])
        XCTAssertTrue(text.contains("  default  (Default ALSA Output)"), text)
        XCTAssertTrue(text.contains("  /dev/video0  Cam [uvcvideo]\n    YUYV (YUYV 4:2:2)\n      640x480 @ 30, 15 fps\n      320x240 @ 30.0 fps"), text)
    }

    func testALSAHintsAreListedWithoutCrashing() throws {
        // This machine has no sound card; the hint list may hold only virtual PCMs (null, default…).
        let devices = try DeviceList.audioCaptureDevices()
        for d in devices { XCTAssertFalse(d.name.isEmpty) }
    }
}
