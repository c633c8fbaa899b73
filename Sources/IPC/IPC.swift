// Placeholder: IPC is being written.
public enum IPCModule {}
