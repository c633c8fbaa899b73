/// The runaway guard (Moonshine's rule, issue 14 item 6): a decode may generate at most
/// max(minimumTokenBudget, ⌈seconds × tokensPerSecond⌉) tokens for the audio it holds, so a decode
/// that loops ends early instead of filling the window. The offline transcriber applies it per
/// 30-s window, the live window decoder per window and the final pass per utterance window.
extension DecodingOptions {
    /// Tokens a decode of `seconds` of audio may generate; nil when the guard is off
    /// (`tokensPerSecond == nil`).
    public func tokenBudget(seconds: Double) -> Int? {
        guard let perSecond = tokensPerSecond else { return nil }
        return max(minimumTokenBudget, Int((max(0, seconds) * perSecond).rounded(.up)))
    }
}
