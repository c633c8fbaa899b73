import Foundation
import Daemon

// captiond: OpenBLAS's kernels for this CPU, then parse --config and hand over to the Daemon library.
Daemon.reexecWithKernelsForThisCPU()
exit(Daemon.main(arguments: CommandLine.arguments))
