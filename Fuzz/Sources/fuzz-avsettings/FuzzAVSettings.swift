import Foundation
import Training

/// An audio-visual checkpoint's stored training settings (the `settings` JSON of its safetensors
/// metadata, `AVTrainer.load`): decoded, checked (`MelAugmentation.problem`), and, when they pass,
/// the stored log-mel augmentation applied to a few frames, as a resumed run would.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAVSettings(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let settings = try? JSONDecoder().decode(TrainingSettings.self, from: Data(bytes: data, count: size)),
          let augmentation = settings.melAugmentation, augmentation.problem == nil else { return 0 }
    var random = SplitMix(seed: settings.seed, stream: "mel-augmentation")
    let mel = (0..<(12 * 80)).map { Float($0 % 80) / 40 - 1 }
    _ = augmentation.apply(mel, melBins: 80, random: &random)
    return 0
}
