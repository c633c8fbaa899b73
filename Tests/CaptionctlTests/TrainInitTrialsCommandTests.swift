import Foundation
import XCTest
import TestSupport

/// `captionctl train --init-trials`: one line per tried draw, the chosen one named, and a
/// checkpoint with the bytes of the single run with `--init-seed` of that draw. On the tiny corpus
/// of `AVTestCheckpoint` (release build: seconds).
final class TrainInitTrialsCommandTests: XCTestCase {
    func testTrialsChooseADrawAndTheRunIsThatSeedsRun() throws {
        let av = try AVTestCheckpoint.make()
        let dir = NSTemporaryDirectory() + "captiond-trials-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let common = ["train", "--corpus", av.corpus, "--seed", "3", "--steps", "8", "--batch", "1", "--epoch-steps", "8",
                      "--report-noise", "", "--model-width", "16"]
        let t = try CommandRunner.run("captionctl", common + ["-o", dir + "/trials.safetensors",
                                                             "--init-trials", "3", "--trial-steps", "4", "--trial-window", "2"])
        XCTAssertEqual(t.status, 0, t.stderr)
        for k in 1...3 { XCTAssertTrue(t.stdout.contains("trial \(k)/3: init seed \(2 + k), mean loss over steps 3–4 "), t.stdout) }
        let lines = t.stdout.split(separator: "\n").map(String.init)
        let chosen = try XCTUnwrap(lines.first { $0.hasPrefix("continuing init seed ") }?.split(separator: " ")[3].description, t.stdout)
        XCTAssertTrue(["3", "4", "5"].contains(chosen), t.stdout)
        // The scores printed ("trial K/3: init seed S, mean loss over steps 3–4 X"): the chosen one is the lowest.
        let scores = lines.filter { $0.hasPrefix("trial ") && $0.contains(": init seed ") }.map { line in
            let words = line.split(separator: " ")
            return (String(words[4].dropLast()), Double(words[words.count - 1]) ?? .nan)
        }
        XCTAssertEqual(scores.count, 3)
        XCTAssertEqual(scores.min { $0.1 < $1.1 }?.0, chosen, t.stdout)

        let single = try CommandRunner.run("captionctl", common + ["-o", dir + "/single.safetensors", "--init-seed", chosen])
        XCTAssertEqual(single.status, 0, single.stderr)
        let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/trials.safetensors"))
        let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/single.safetensors"))
        XCTAssertEqual(a, b, "the run with trials is the run with --init-seed \(chosen)")

        // Bad combinations are refused by name before any training.
        let resumed = try CommandRunner.run("captionctl", common + ["-o", dir + "/r.safetensors", "--resume", dir + "/single.safetensors", "--init-trials", "2"])
        XCTAssertEqual(resumed.status, 1)
        XCTAssertTrue(resumed.stderr.contains("--init-trials") && resumed.stderr.contains("--resume"), resumed.stderr)
        let long = try CommandRunner.run("captionctl", common + ["-o", dir + "/l.safetensors", "--init-trials", "2", "--trial-steps", "8"])
        XCTAssertEqual(long.status, 1)
        XCTAssertTrue(long.stderr.contains("invalid --trial-steps"), long.stderr)
    }
}
