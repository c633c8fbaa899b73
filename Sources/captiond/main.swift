import Foundation
import Daemon

// captiond: parse --config and hand over to the Daemon library.
exit(Daemon.main(arguments: CommandLine.arguments))
