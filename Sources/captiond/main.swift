import Daemon
// Placeholder until the live service lands (issue 4).
print("captiond: not built yet")
