import Foundation

/// CTranslate2's beam search: 2 × beam candidates per step from the summed log-probabilities of
/// all beams; a candidate ending in EOT (or reaching the last step) becomes a finished
/// hypothesis and its place goes to the next unfinished candidate; the search stops once
/// round(beam × patience) hypotheses are finished (or, with length penalty 0, once the top beam
/// finished). Hypotheses are ranked by cumulative log-probability / length^penalty; each keeps
/// the log-probability of its tokens.
///
/// One session per beam, stepped one after the other (`SessionBatch`): the reference that the
/// batched forward pass (`BatchedBeamSearchDecoder` over the session's own batch) is compared
/// with. Both run the same search rules (`BatchedBeamSearchDecoder.decode(batch:)`).
struct BeamSearchDecoder {
    let settings: SearchSettings

    func decode<S: WhisperDecoderSession>(session: S, startToken: Int,
                                          firstLogits: (([Float]) -> Void)? = nil) throws -> [Hypothesis] {
        var rows = SessionBatch(session)
        return try BatchedBeamSearchDecoder(settings: settings).decode(batch: &rows, startToken: startToken,
                                                                       firstLogits: firstLogits)
    }
}
