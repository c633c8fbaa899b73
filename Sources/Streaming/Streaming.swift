// Placeholder: Streaming is being written.
public enum StreamingModule {}
