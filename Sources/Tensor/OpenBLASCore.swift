import CBLAS
import CVectorKernels
import Foundation

/// Which of OpenBLAS's kernels run, and the fix for a CPU OpenBLAS does not know.
///
/// OpenBLAS (Debian's is built for every x86-64 core) picks its kernels once, when the library
/// loads, from the CPU's family and model. A CPU newer than the release gets the fallback, the
/// Prescott (SSE3) kernels: Debian 12's 0.3.21 on this machine's AVX-512 Xeon (5 Dec 2026).
/// `captionctl transcribe jfk.wav --beam 1` took 0.75 s with them against 0.44 s with the
/// SkylakeX kernels (`OPENBLAS_CORETYPE=SkylakeX`), base 1.65 against 0.92 s. The choice can only
/// be made before the library loads, through `OPENBLAS_CORETYPE`, so the programs re-execute
/// themselves with it set (`reexecForThisCPU`) when OpenBLAS fell back and the CPU runs better
/// kernels. A core type set by the user is left as it is.
public enum OpenBLASCore {
    /// The kernels OpenBLAS runs ("Haswell", "SkylakeX", "Prescott", …).
    public static var name: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// The best kernels this CPU runs: "SkylakeX" (AVX-512 F/BW/DQ/VL), "Haswell" (AVX2, FMA), or nil.
    public static var forThisCPU: String? {
        if cvk_has_avx512_skylakex() != 0 { return "SkylakeX" }
        if cvk_has_avx2_fma() != 0 { return "Haswell" }
        return nil
    }

    /// The core type to re-execute with: `cpu` when OpenBLAS runs its fallback (`running`
    /// "Prescott") and nobody chose one (`requested` nil), else nil.
    public static func replacement(running: String, requested: String?, cpu: String?) -> String? {
        guard requested == nil, running.caseInsensitiveCompare("Prescott") == .orderedSame, let cpu else { return nil }
        return cpu
    }

    /// Replaces this process with the same program and arguments under `OPENBLAS_CORETYPE` set
    /// to the kernels this CPU runs, when OpenBLAS runs its fallback; returns (doing nothing)
    /// otherwise, or when the exec fails. Call first thing in `main`, before any thread starts:
    /// the process keeps its pid, open descriptors (systemd's sockets) and other variables. The
    /// arguments go on as the bytes the process got (`CommandLine.unsafeArgv`): a file name that
    /// is not UTF-8 ("caf\xe9.wav") would not survive a round trip through `String`.
    public static func reexecForThisCPU() {
        guard let core = replacement(running: name, requested: getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }, cpu: forThisCPU),
              CommandLine.argc > 0 else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returned: it failed (no /proc); go on with the fallback kernels.
        unsetenv("OPENBLAS_CORETYPE")
    }
}
