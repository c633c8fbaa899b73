import IPC
import Streaming

/// Checks the value of a live `set hotwords` / `set script` before anything changes: a refused
/// value leaves the running settings as they were, and the reply names the command and the fix.
enum LiveSettingCheck {
    /// The hotwords as the decoder gets them (trimmed; "" clears them). One line of words: a
    /// control character (a pasted newline or tab, a NUL) is refused with its position.
    static func hotwords(_ value: String) -> Result<String, ControlFailure> {
        let words = value.trimmingCharacters(in: .whitespacesAndNewlines)
        for (i, scalar) in words.unicodeScalars.enumerated() where scalar.properties.generalCategory == .control {
            let code = "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
            return .failure(ControlFailure(code: .badValue, message:
                "set hotwords: the value holds the control character \(code) at character \(i + 1); give the words on one line, separated by commas, e.g. \"Dashwood, Kinsale\" (\"\" clears them)"))
        }
        return .success(words)
    }

    /// One of simplified, traditional, as-is, pinyin (model.script).
    static func script(_ value: String) -> Result<ModelSettings.Script, ControlFailure> {
        guard let script = ModelSettings.Script(rawValue: value) else {
            let known = ModelSettings.Script.allCases.map(\.rawValue).joined(separator: ", ")
            return .failure(ControlFailure(code: .badValue, message:
                "set script: \"\(value)\" is not a script; use one of \(known) (Whisper's Chinese captions are converted by OpenCC; a Mandarin audio-visual checkpoint's pinyin becomes hanzi with libpinyin unless pinyin, which only it takes)"))
        }
        return .success(script)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
