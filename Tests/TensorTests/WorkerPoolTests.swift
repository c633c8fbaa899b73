import CVectorKernels
import Foundation
import Tensor
import XCTest

/// The engine's worker pool (`WorkerPool`, CVectorKernels' WorkerPool.c): every part of a job runs
/// exactly once whichever threads claim it, nested calls run inline, and the caller finishes a job
/// alone when the pool's threads do not come (descheduled on a loaded machine).
final class WorkerPoolTests: XCTestCase {
    /// How often each part of one job ran, whether on the calling thread, and the part count it saw.
    private final class PartLog: @unchecked Sendable {
        private let lock = NSLock()
        private let caller: pthread_t
        private(set) var counts: [Int]
        private(set) var offCaller = 0
        private(set) var seenParts = Set<Int>()

        init(parts: Int) {
            caller = pthread_self()
            counts = [Int](repeating: 0, count: max(parts, 1))
        }

        func record(_ index: Int, _ parts: Int) {
            lock.lock()
            defer { lock.unlock() }
            if index >= 0, index < counts.count { counts[index] += 1 } else { counts.append(-1) }
            if pthread_equal(pthread_self(), caller) == 0 { offCaller += 1 }
            seenParts.insert(parts)
        }
    }

    /// Runs one job of `workers` parts; fails unless each of the parts it reports ran once.
    @discardableResult
    private func checkedJob(workers: Int, file: StaticString = #filePath, line: UInt = #line,
                            _ body: (Int, Int) -> Void = { _, _ in }) -> PartLog {
        let log = PartLog(parts: workers)
        let ran = WorkerPool.run(workers: workers) { index, parts in
            log.record(index, parts)
            body(index, parts)
        }
        XCTAssertEqual(ran, workers, "participants", file: file, line: line)
        XCTAssertEqual(log.counts, [Int](repeating: 1, count: workers), "\(workers) parts", file: file, line: line)
        XCTAssertEqual(log.seenParts, [ran], "every part sees the job's part count", file: file, line: line)
        return log
    }

    func testEveryPartRunsExactlyOnceForOneToEightWorkers() {
        for round in 0..<300 {
            for workers in 1...8 {
                checkedJob(workers: workers)
                // Now and then the pool's threads go to sleep between jobs, as between decoder steps.
                if round % 50 == 49 { usleep(1_000) }
            }
        }
    }

    func testNestedCallsRunInlineAndPartsStillRunOnce() {
        for workers in 2...8 {
            for _ in 0..<50 {
                checkedJob(workers: workers) { _, _ in
                    var inner: [(Int, Int)] = []
                    let ran = WorkerPool.run(workers: 4) { index, parts in inner.append((index, parts)) }
                    XCTAssertEqual(ran, 1, "a call from inside a part runs inline")
                    XCTAssertEqual(inner.map(\.0), [0])
                    XCTAssertEqual(inner.map(\.1), [1])
                }
            }
        }
    }

    func testJobsFromSeveralThreadsTakeTurns() {
        let threads = 3, jobs = 300
        let failures = PartLog(parts: 1)            // counts[0]: jobs whose parts did not run once each
        let group = DispatchGroup()
        for t in 0..<threads {
            group.enter()
            Thread {
                for j in 0..<jobs {
                    let workers = 1 + (j + t) % 8
                    let log = PartLog(parts: workers)
                    let ran = WorkerPool.run(workers: workers) { index, parts in log.record(index, parts) }
                    if ran != workers || log.counts != [Int](repeating: 1, count: workers) { failures.record(0, 0) }
                }
                group.leave()
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 120), .success, "submitting threads did not finish")
        XCTAssertEqual(failures.counts, [0])
    }

    /// The pool's threads are held back (a test hook: as if the OS never scheduled them): the caller
    /// claims and runs every part itself instead of waiting for them. With parts assigned to threads
    /// (the pool before claiming) this job never finished while the workers were held.
    func testCallerRunsEveryPartWhileWorkersAreHeld() {
        checkedJob(workers: 8)                      // the pool's threads exist and are idle
        cvk_parallel_hold_workers_for_testing(1)
        let logs = LockedLogs()
        let done = DispatchSemaphore(value: 0)
        Thread {
            for round in 0..<20 {
                for workers in 2...8 {
                    let log = PartLog(parts: workers)
                    let ran = WorkerPool.run(workers: workers) { index, parts in log.record(index, parts) }
                    logs.append(workers: workers, ran: ran, log: log)
                }
                if round % 5 == 4 { usleep(1_000) }
            }
            done.signal()
        }.start()
        let finished = done.wait(timeout: .now() + 20) == .success
        cvk_parallel_hold_workers_for_testing(0)
        XCTAssertTrue(finished, "the caller waited for held pool threads instead of running their parts")
        if !finished { XCTAssertEqual(done.wait(timeout: .now() + 60), .success, "the jobs did not finish after the release") }
        for (workers, ran, log) in logs.entries {
            XCTAssertEqual(ran, workers)
            XCTAssertEqual(log.counts, [Int](repeating: 1, count: workers))
            XCTAssertEqual(log.offCaller, 0, "a held pool thread ran a part")
        }
        XCTAssertEqual(logs.entries.count, 20 * 7)
        // Released, the workers wake late for jobs long finished: they must claim nothing of those.
        for workers in 1...8 { for _ in 0..<20 { checkedJob(workers: workers) } }
    }

    private final class LockedLogs: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [(Int, Int, PartLog)] = []
        func append(workers: Int, ran: Int, log: PartLog) { lock.lock(); stored.append((workers, ran, log)); lock.unlock() }
        var entries: [(Int, Int, PartLog)] { lock.lock(); defer { lock.unlock() }; return stored }
    }
}
