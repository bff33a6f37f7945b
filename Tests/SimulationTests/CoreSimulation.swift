// ragsync — CoreSimulation: the watch → queue → plan core, driven by one seed against a modelled disk and store.

import Foundation
import Indexer
import RagsyncTestSupport
import SyncCore

/// One simulated ragsync daemon.
///
/// The production core runs unchanged: ``WatchState`` interprets the events, ``ChangeCoalescer`` times them,
/// ``ContentScanner`` walks and reads the disk, ``SyncPlan`` and ``EmbeddingPlan`` decide, ``Chunker`` cuts. Around
/// it the simulation models what is I/O in the daemon: the disk (``InMemoryFileSystem``), inotify
/// (``SimulatedKernel``), the database (``SimulatedStore``) and the clock. One seed picks the operations, the fault
/// rates, how events are split into reads, and when time passes, so a failure replays exactly.
struct CoreSimulation {
    typealias Instant = ContinuousClock.Instant

    static let root = "/content"
    static let outside = "/outside"
    static let maxFileBytes = 16 * 1024

    /// A pass in progress: planned, then prepared (read, parsed, embedded), then committed.
    private struct Pass {
        var batch: ChangeBatch
        var snapshot: ContentSnapshot
        var plan: SyncPlan
        var prepared: [(path: String, hash: String, chunkHashes: [String])]?
        var failures: [(path: String, hash: String?)] = []
        var embedded: [String] = []
        var outage = false
    }

    /// What happened, for the report and for the assertions that the run exercised something.
    struct Counters {
        var operations = 0
        var reads = 0
        var passes = 0
        var chunksEmbedded = 0
        var embeddingOutages = 0
        var databaseFaults = 0
        var reloads = 0
        var eventsLost = 0
        var quiescentChecks = 0
        /// Files a pass did not read because the stat cache vouched for their hash.
        var unread = 0
    }

    let seed: UInt64
    var counters = Counters()
    /// Invariant violations, with the step they were found at.
    private(set) var violations: [String] = []

    var random: SeededGenerator
    let fileSystem = InMemoryFileSystem()
    private let scanner: ContentScanner
    var kernel: SimulatedKernel
    private var watch = WatchState()
    private var coalescer: ChangeCoalescer<Instant>
    private var store = SimulatedStore()
    private var chunker: Chunker
    private var now: Instant
    private let started: Instant
    private var pass: Pass?
    private var step = 0
    /// The last steps in words, kept when `RAGSYNC_SIM_TRACE` is set, to read a failure.
    private(set) var trace: [String] = []
    private let isTracing = ProcessInfo.processInfo.environment["RAGSYNC_SIM_TRACE"] != nil
    var movedOut = 0

    // Swarm testing: the seed picks each fault's rate, so some runs are calm and some are hostile.
    private let embeddingFaultRate: UInt64
    private let databaseFaultRate: UInt64
    private let largestRead: Int
    /// Times each chunk hash was embedded, and times it left the store or was lost with a failed write.
    private var embeddings: [String: Int] = [:]
    private var allowance: [String: Int] = [:]

    init(seed: UInt64) throws {
        self.seed = seed
        var random = SeededGenerator(seed: seed)
        embeddingFaultRate = random.next() % 8
        databaseFaultRate = random.next() % 6
        largestRead = 1 + Int(random.next() % 24)
        kernel = SimulatedKernel(capacity: 24 + Int(random.next() % 200))
        var timing = ChangeTiming()
        timing.capacity = 12 + Int(random.next() % 60)
        coalescer = ChangeCoalescer(timing: timing)
        self.random = random
        chunker = Chunker(options: try ChunkingOptions(targetTokens: 60, overlapTokens: 10, contextTokens: 8))
        now = ContinuousClock.now
        started = now
        fileSystem.makeDirectory(Self.root)
        fileSystem.makeDirectory(Self.outside)
        scanner = try ContentScanner(root: Self.root, fileSystem: fileSystem)
        watchTree("")
        coalescer.apply(.fullReconcile, at: now)
    }

    // MARK: - Running

    /// Runs `steps` random steps, reaching quiescence and checking the invariants every `checkEvery` steps.
    mutating func run(steps: Int, checkEvery: Int) {
        for _ in 0..<steps {
            step += 1
            takeStep()
            if step % checkEvery == 0 { quiesceAndCheck() }
            if !violations.isEmpty { return }
        }
        quiesceAndCheck()
    }

    /// The simulated wall clock in nanoseconds since the epoch: the hand-driven clock's time since the start.
    private var wallClock: Int64 {
        let elapsed = started.duration(to: now).components
        return Self.wallClockStart + elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000
    }

    private static let wallClockStart: Int64 = 1_800_000_000 * 1_000_000_000

    private mutating func takeStep() {
        fileSystem.setClock(wallClock)
        switch roll(100) {
        case 0..<40: operate()
        case 40..<60: deliverEvents()
        case 60..<75: now = now.advanced(by: .milliseconds(Int64(roll(900))))
        case 75..<97: advancePass(faults: true)
        case 97..<98:
            counters.reloads += 1
            reload()
        default: now = now.advanced(by: .seconds(6))
        }
    }

    /// Stops changing the disk, lets every event arrive and every pass finish without faults, then compares.
    mutating func quiesceAndCheck() {
        var rounds = 0
        while !kernel.queue.isEmpty || coalescer.pendingCount > 0 || pass != nil {
            rounds += 1
            if rounds > 10_000 {
                violations.append("step \(step): no quiescence after 10,000 rounds (queue \(kernel.queue.count), pending \(coalescer.pendingCount))")
                return
            }
            while !kernel.queue.isEmpty { deliverEvents() }
            now = now.advanced(by: coalescer.timing.maximumWait)
            advancePass(faults: false)
        }
        counters.quiescentChecks += 1
        checkEveryFolderIsWatched(Self.root, relative: "")
        checkStoreEqualsFreshIndex()
        for (hash, count) in embeddings where count > 1 + allowance[hash, default: 0] {
            violations.append(
                "step \(step): chunk \(hash.prefix(12)) embedded \(count) times, though it left the store only \(allowance[hash, default: 0]) time(s)")
        }
    }

    // MARK: - The daemon's side

    /// One `read(2)` of the inotify descriptor, interpreted and acted on event by event, as the watcher does.
    private mutating func deliverEvents() {
        let events = kernel.read(upTo: 1 + roll(largestRead))
        guard !events.isEmpty else { return }
        counters.reads += 1
        note("read \(events.map { "\($0.watch):\($0.nameString ?? "?"):\($0.kind.rawValue):\($0.cookie)" })")
        watch.readReceived(events)
        for event in events {
            for action in watch.handle(event) {
                note("  \(action)")
                perform(action)
            }
        }
    }

    private mutating func perform(_ action: WatchAction) {
        switch action {
        case .record(let change): coalescer.apply(change, at: now)
        case .watchTree(let folder): watchTree(folder)
        case .removeWatch(let watch): kernel.removeWatch(watch)
        case .rewatchTree:
            watch.rewatchStarted()
            watchTree("")
            for stale in watch.rewatchFinished() { kernel.removeWatch(stale) }
        case .eventsLost: counters.eventsLost += 1
        case .directoryLost: violations.append("step \(step): the content directory was reported lost")
        case .unreadableName(let name): violations.append("step \(step): unreadable name \(name)")
        }
    }

    /// Watches a folder and every folder below it, as the watcher does: watch first, then list.
    private mutating func watchTree(_ folder: String) {
        let path = folder.isEmpty ? Self.root : Self.root + "/" + folder
        guard let inode = fileSystem.inode(at: path), case .directory = fileSystem.node(inode) else { return }
        let descriptor = kernel.addWatch(inode: inode)
        note("watch \(folder) = \(descriptor)")
        let isStillAt = { [fileSystem] (known: String) in
            fileSystem.inode(at: known.isEmpty ? Self.root : Self.root + "/" + known) == inode
        }
        guard watch.watchAdded(descriptor, folder: folder, isStillAt: isStillAt) else { return }
        for (name, child) in fileSystem.children(of: path) where !ContentNames.isIgnored(name) {
            if case .directory = fileSystem.node(child) { watchTree(folder.isEmpty ? name : folder + "/" + name) }
        }
    }

    private mutating func reload() {
        let target = [40, 60, 90][roll(3)]
        if let options = try? ChunkingOptions(targetTokens: target, overlapTokens: 10, contextTokens: 8) {
            chunker = Chunker(options: options)
        }
        coalescer.apply(.fullReconcile, at: now)
    }

    /// Moves the pass one stage on, or starts one when a batch is ready.
    private mutating func advancePass(faults: Bool) {
        guard var current = pass else {
            guard let batch = coalescer.takeReady(at: now) else { return }
            if faults, roll(100) < databaseFaultRate {
                counters.databaseFaults += 1
                coalescer.apply(.returned(batch), at: now)  // the records could not be read
                return
            }
            counters.passes += 1
            let snapshot = scanner.snapshot(
                of: batch, maxBytes: Self.maxFileBytes, cache: store.statCache(passStart: wallClock))
            counters.unread += snapshot.unread
            let plan = SyncPlan(
                snapshot: snapshot, records: store.records(in: batch), drifted: [:], chunking: chunker.signature)
            for (old, new) in plan.renames { store.rename(from: old, to: new) }
            pass = Pass(batch: batch, snapshot: snapshot, plan: plan)
            note("pass \(batch) found \(snapshot.files.map(\.relativePath)) index \(plan.toIndex.map(\.file.relativePath)) renames \(plan.renames) delete \(plan.deletions) complete \(snapshot.isComplete)")
            return
        }
        guard current.prepared != nil else {
            prepare(&current, faults: faults)
            pass = current
            return
        }
        pass = nil
        commit(current, faults: faults)
    }

    /// Reads the planned files again, parses and chunks them, and embeds the chunks that have no embedding.
    private mutating func prepare(_ current: inout Pass, faults: Bool) {
        var prepared: [(path: String, hash: String, chunkHashes: [String])] = []
        var texts: [(hash: String, text: String)] = []
        for (file, _) in current.plan.toIndex {
            let contents: ContentSnapshot.Contents
            do {
                contents = try scanner.contents(of: file, maxBytes: Self.maxFileBytes)
            } catch where error.reason == .vanished {
                continue
            } catch {
                current.failures.append((file.relativePath, nil))
                continue
            }
            do {
                let chunks = chunker.chunks(for: try DocumentParser().parse(contents.bytes, path: file.relativePath))
                prepared.append((file.relativePath, contents.hash, chunks.map(\.contentHash.hex)))
                texts += chunks.map { ($0.contentHash.hex, $0.text) }
            } catch {
                current.failures.append((file.relativePath, contents.hash))
            }
        }
        current.prepared = prepared
        let plan = EmbeddingPlan(chunks: texts, alreadyEmbedded: store.embeddedHashes)
        guard !plan.hashes.isEmpty else { return }
        if faults, roll(100) < embeddingFaultRate {
            counters.embeddingOutages += 1
            current.outage = true
            return
        }
        current.embedded = plan.hashes
        counters.chunksEmbedded += plan.hashes.count
        for hash in plan.hashes { embeddings[hash, default: 0] += 1 }
    }

    /// Writes a prepared pass, as the engine does: failures, then the documents, then deletions.
    private mutating func commit(_ current: Pass, faults: Bool) {
        if faults, roll(100) < databaseFaultRate {
            counters.databaseFaults += 1
            for hash in current.embedded { allowance[hash, default: 0] += 1 }  // spent, then lost with the write
            coalescer.apply(.returned(current.batch), at: now)
            return
        }
        let before = store.embeddedHashes
        for failure in current.failures { store.recordFailure(failure.path, failedHash: failure.hash) }
        let prepared = current.prepared ?? []
        if current.outage {
            for document in prepared { store.recordFailure(document.path, failedHash: nil) }
            coalescer.apply(.returned(ChangeBatch(files: Set(prepared.map(\.path)))), at: now)
        } else {
            for document in prepared {
                store.replace(
                    document.path, contentHash: document.hash, chunkHashes: document.chunkHashes,
                    chunking: chunker.signature)
            }
        }
        if current.snapshot.isComplete {
            for path in current.plan.deletions { store.delete(path) }
        }
        store.recordStamps(of: current.snapshot.files)
        for hash in before.subtracting(store.embeddedHashes) { allowance[hash, default: 0] += 1 }
    }

    // MARK: - The invariants

    /// Every folder of the tree has a watch, and the state knows it under its current path.
    private mutating func checkEveryFolderIsWatched(_ path: String, relative: String) {
        guard let inode = fileSystem.inode(at: path) else { return }
        guard let descriptor = kernel.watch(of: inode) else {
            violations.append("step \(step): folder '\(relative)' has no watch")
            return
        }
        if watch.folder(of: descriptor) != relative {
            violations.append("step \(step): folder '\(relative)' is known as '\(watch.folder(of: descriptor) ?? "nothing")'")
        }
        for (name, child) in fileSystem.children(of: path) where !ContentNames.isIgnored(name) {
            if case .directory = fileSystem.node(child) {
                checkEveryFolderIsWatched(path + "/" + name, relative: relative.isEmpty ? name : relative + "/" + name)
            }
        }
    }

    /// The store must equal a fresh index of the disk: every document with its current bytes' chunks, or its current
    /// bytes recorded as failed; nothing for paths that are gone.
    private mutating func checkStoreEqualsFreshIndex() {
        var expected: [String: SimulatedStore.Document] = [:]
        for entry in scanner.scan().entries {
            guard let bytes = try? fileSystem.contents(of: entry.absolutePath, maxBytes: Self.maxFileBytes) else { continue }
            let hash = ContentHash(of: bytes).hex
            if let parsed = try? DocumentParser().parse(bytes, path: entry.relativePath) {
                expected[entry.relativePath] = SimulatedStore.Document(
                    contentHash: hash, failedHash: nil, chunkHashes: chunker.chunks(for: parsed).map(\.contentHash.hex),
                    chunking: chunker.signature)
            } else {
                expected[entry.relativePath] = SimulatedStore.Document(failedHash: hash)
            }
        }
        for path in Set(expected.keys).union(store.documents.keys).sorted() {
            let want = expected[path]
            let have = store.documents[path]
            switch (want, have) {
            case (nil, nil): continue
            case (nil, _?): violations.append("step \(step): \(path) is stored but not on disk")
            case (_?, nil): violations.append("step \(step): \(path) is on disk but not stored")
            case (let want?, let have?):
                if let failed = want.failedHash {
                    if have.failedHash != failed { violations.append("step \(step): \(path) fails to parse, but the store does not record it") }
                } else if have.contentHash != want.contentHash || have.chunkHashes != want.chunkHashes
                    || have.chunking != want.chunking
                {
                    violations.append("step \(step): \(path) is stored with other bytes or chunks than on disk")
                }
            }
            if violations.count > 5 { return }
        }
    }

    mutating func roll(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
    mutating func note(_ line: @autoclosure () -> String) {
        guard isTracing else { return }
        trace.append("\(step): \(line())")
        if trace.count > 400 { trace.removeFirst(100) }
    }

    private mutating func roll(_ bound: UInt64) -> UInt64 { random.next() % bound }
}
