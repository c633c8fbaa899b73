// Placeholder: Capture is being written.
public enum CaptureModule {}
