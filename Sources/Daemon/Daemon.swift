// Placeholder: Daemon is being written.
public enum DaemonModule {}
