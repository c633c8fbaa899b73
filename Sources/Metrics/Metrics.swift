// Placeholder: Metrics is being written.
public enum MetricsModule {}
