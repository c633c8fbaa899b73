import XCTest
import CVectorKernels
@testable import Tensor

/// `OpenBLASCore`: which kernels to re-execute with when OpenBLAS fell back to Prescott's.
final class OpenBLASCoreTests: XCTestCase {
    func testOnlyTheFallbackIsReplacedAndOnlyWhenNobodyChose() {
        XCTAssertEqual(OpenBLASCore.replacement(running: "Prescott", requested: nil, cpu: "SkylakeX"), "SkylakeX")
        XCTAssertEqual(OpenBLASCore.replacement(running: "PRESCOTT", requested: nil, cpu: "Haswell"), "Haswell")
        XCTAssertNil(OpenBLASCore.replacement(running: "Haswell", requested: nil, cpu: "SkylakeX"), "a known CPU keeps OpenBLAS's choice")
        XCTAssertNil(OpenBLASCore.replacement(running: "Prescott", requested: "Prescott", cpu: "SkylakeX"), "the user's OPENBLAS_CORETYPE stays")
        XCTAssertNil(OpenBLASCore.replacement(running: "Prescott", requested: nil, cpu: nil), "a CPU without AVX2 has nothing better")
    }

    func testTheCPUsKernelsFollowItsInstructionSets() {
        let best = OpenBLASCore.forThisCPU
        if cvk_has_avx512_skylakex() != 0 {
            XCTAssertEqual(best, "SkylakeX")
        } else if cvk_has_avx2_fma() != 0 {
            XCTAssertEqual(best, "Haswell")
        } else {
            XCTAssertNil(best)
        }
        XCTAssertFalse(OpenBLASCore.name.isEmpty)
        print("OpenBLAS runs \(OpenBLASCore.name) kernels in the test process; this CPU runs \(best ?? "no better")")
    }
}
