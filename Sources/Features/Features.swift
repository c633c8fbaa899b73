// Placeholder: WAV decoding, resampling and log-mel are being written (issue 2).
public enum FeaturesModule {}
