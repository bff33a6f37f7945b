// ragsync — IndexingDaemon: `ragsync watch`, the long-running service systemd supervises.

import Embedding
import FoundationEssentials
import IndexStore
public import Logging
import MetricsEndpoint
public import Prometheus
import Postgres
import ServiceLifecycle
import SyncCore
import UnixSignals
public import Systemd

/// Keeps the database in line with the content directory until it is told to stop.
///
/// Four services run side by side in a swift-service-lifecycle `ServiceGroup`, started in this order and stopped
/// in the reverse one: the status loop keeps STATUS current, pings the watchdog while every task makes progress
/// and schedules the periodic reconcile; the indexing loop takes ready batches and reconciles them; the watcher
/// (inotify, on its own thread) records changes in a ``ChangeQueue``; the control loop turns SIGHUP into a reload
/// and announces a stop. SIGTERM and SIGINT shut the group down gracefully: the watcher stops, the indexing loop
/// finishes the document in flight, the status loop sends the last STATUS. Watches are set before the database is contacted, so nothing
/// saved during start-up is missed; READY=1 follows once the database answers, and the first full reconcile
/// runs after it with its progress in STATUS. Outages of the database or the embedding service are waited out
/// with capped exponential backoff; the changes stay queued.
public struct IndexingDaemon: Sendable {
    /// Reads the configuration again on SIGHUP.
    public typealias ConfigurationLoader = @Sendable () throws -> RagsyncConfiguration

    private let loadConfiguration: ConfigurationLoader
    private let configuration: RagsyncConfiguration
    private let logger: Logger
    private let notifier: ServiceNotifier

    private let queue = ChangeQueue<ContinuousClock>()
    private let board = StatusBoard()
    private let heartbeats = Heartbeats()
    private let reload = ReloadState()
    private let metrics = DaemonMetrics()
    private let metricsRegistry: PrometheusCollectorRegistry?

    /// - Parameters:
    ///   - configuration: the settings read at start.
    ///   - loadConfiguration: reads them again, for SIGHUP.
    ///   - metricsRegistry: where swift-metrics reports (``MetricsBackend/bootstrapPrometheus()``); served on
    ///     `RAGSYNC_METRICS_LISTEN` when both are set.
    public init(
        configuration: RagsyncConfiguration, loadConfiguration: @escaping ConfigurationLoader, logger: Logger,
        notifier: ServiceNotifier = ServiceNotifier(), metricsRegistry: PrometheusCollectorRegistry? = nil
    ) {
        self.metricsRegistry = metricsRegistry
        self.configuration = configuration
        self.loadConfiguration = loadConfiguration
        self.logger = logger
        self.notifier = notifier
    }

    /// Runs until SIGTERM or SIGINT.
    /// - Throws: `ContentDirectoryError` or `ConfigurationError` for settings the operator must fix (exit 78), and
    ///   database errors that are not outages (a refused password, a schema of another dimension).
    public func run() async throws {
        let scanner = try ContentScanner(root: configuration.contentDirectory, fileSystem: GlibcFileSystem())
        let heartbeats = self.heartbeats
        heartbeats.register("watcher", limit: .seconds(30))
        heartbeats.register("indexer", limit: configuration.stallTimeout)
        let watcher = ContentWatcher(
            root: scanner.root, queue: queue, folderLimit: configuration.maxWatchedFolders, logger: logger,
            heartbeat: { isWaiting in heartbeats.beat("watcher", waiting: isWaiting) })
        await watcher.start()
        board.update { $0.watcher = ContentWatcher.Report(mode: .waitingForDirectory, eventsLost: 0) }

        // Any service ending or failing stops the others; a failure is rethrown (a configuration error exits 78).
        var services = [
            DaemonService("status") { await reportStatus(watcher: watcher) },
            DaemonService("indexer") { try await indexChanges() },
            DaemonService("watcher") { try await watcher.run() },
            DaemonService("control", stopsOnGracefulShutdown: false) { try await control() },
        ]
        if let address = configuration.metricsListen, let registry = metricsRegistry {
            let metrics = self.metrics
            let endpoint: PrometheusEndpoint
            do {
                endpoint = try PrometheusEndpoint(
                    address: address, registry: registry, logger: logger, beforeScrape: { metrics.refreshDerivedGauges() })
            } catch {
                // A port another process holds, or an address this machine lacks: the operator must change it.
                throw ConfigurationError(setting: "RAGSYNC_METRICS_LISTEN=\(address)", problem: "\(error.description)")
            }
            services.append(DaemonService("metrics") { try await serve(endpoint) })
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.notice("stopped", metadata: ["action": "stopped"])
    }

    // MARK: - Indexing loop

    private func indexChanges() async throws {
        // The embedder first: a model that cannot be found or a missing key is a configuration error, reported
        // before the schema is touched.
        let embedder = try RagsyncContext.makeEmbedder(for: configuration, logger: logger)
        var context = try await connect()
        var engine = try context.makeSyncEngine(embedder: embedder)
        await warnIfNotActive(context)
        notifier.send(.ready, .status("Connected; starting the first reconcile"))
        let ready =
            "ready: watching \(configuration.contentDirectory), database \(context.client.redactedTarget), "
            + "embedder \(configuration.embedder.rawValue) (\(configuration.embeddingModel))"
        logger.notice(
            "\(ready)",
            metadata: ["action": "ready", "message_id": "\(MessageID.ready)"])
        queue.record(.fullReconcile)
        await refreshTotals(context.store)

        var backoff = RetryBackoff()
        var upkeep = UpkeepSchedule()
        while let batch = await queue.next() {
            heartbeats.beat("indexer")
            if let reloaded = reload.takeConfiguration() {
                if let (newContext, newEngine) = await prepareReload(reloaded) {
                    (context, engine) = (newContext, newEngine)
                    await warnIfNotActive(context)
                } else {
                    reload.abandon()
                    notifier.send(.ready)
                }
            }
            board.update { $0.phase = .indexing(done: 0, total: 0, isFullReconcile: batch.isFullReconcile) }
            let problem: String
            do {
                let summary = try await engine.reconcile(batch) { [heartbeats, board] done, total in
                    heartbeats.beat("indexer")
                    board.update { $0.phase = .indexing(done: done, total: total, isFullReconcile: batch.isFullReconcile) }
                }
                report(summary, of: batch)
                metrics.record(summary, of: batch)
                if summary.repaired > 0 { board.update { $0.repairedDocuments += summary.repaired } }
                // A refusal stays in STATUS until a pass deletes documents or a full reconcile no longer refuses.
                if summary.refusedDeletion != nil || summary.removed > 0 || batch.isFullReconcile {
                    let refused = summary.refusedDeletion == nil ? nil : summary.refusedDeletionCount
                    board.update { $0.refusedDeletions = refused }
                }
                if batch.isFullReconcile || (summary.changedAnything && upkeep.isDue(after: summary)) {
                    await maintainVectorIndex(context, after: summary)
                    upkeep.ran()
                }
                await refreshTotals(context.store, lastChanged: summary.lastChanged)
                if batch.isFullReconcile, reload.finishReload() {
                    notifier.send(.ready)
                    logger.notice("reloaded", metadata: ["action": "reloaded"])
                }
                if summary.changedAnything { ProcessMemory.returnFreePages() }
                guard let outage = summary.outage, !summary.deferred.isEmpty else {
                    backoff.reset()
                    let text = board.textToSend(at: .now) { [queue] in
                        $0.phase = .idle
                        $0.queued = queue.pendingCount
                    }
                    if let text { notifier.send(.status(text)) }
                    heartbeats.beat("indexer", waiting: true)
                    continue
                }
                queue.record(.returned(ChangeBatch(files: Set(summary.deferred))))
                problem = "Embedding service unavailable (\(outage.shortDescription))"
                logger.warning(
                    "\(problem); \(summary.deferred.count) document(s) wait",
                    metadata: [
                        "action": "retry", "error": "\(outage)", "message_id": "\(MessageID.embeddingUnavailable)",
                    ])
            } catch is CancellationError {
                queue.record(.returned(batch))
                return
            } catch {
                if Task.isCancelled { return }
                queue.record(.returned(batch))
                let isOutage = RagsyncFailure.kind(of: error) == .outage
                problem = isOutage ? "Database unreachable" : "Indexing failed (\(error))"
                logger.error(
                    "\(problem): \(error)",
                    metadata: [
                        "action": "retry", "error": "\(error)", "message_id": "\(MessageID.databaseUnreachable)",
                    ])
            }
            metrics.passFailed(pending: queue.pendingCount)
            let delay = backoff.nextDelay()
            board.update { [queue] in
                $0.phase = .retrying(problem: problem, retryAt: .now + delay, pending: queue.pendingCount)
            }
            heartbeats.beat("indexer", waiting: true)
            try await Task.sleep(for: delay)
        }
    }

    /// Builds everything a reload changes (settings, store and its model label, schema check, embedder and chunker)
    /// and returns it only when every part succeeded; otherwise logs why and the current settings stay in force.
    private func prepareReload(_ reloaded: RagsyncConfiguration) async -> (RagsyncContext, SyncEngine)? {
        var reloaded = reloaded
        // The watches and the connection follow the settings read at start; these two change on restart.
        reloaded.databaseURL = configuration.databaseURL
        reloaded.contentDirectory = configuration.contentDirectory
        do {
            let context = try await RagsyncContext.open(configuration: reloaded, registeringModel: true, logger: logger)
            let engine = try context.makeSyncEngine()
            logger.notice(
                "reload applied: embedder \(reloaded.embedder.rawValue) (\(reloaded.embeddingModel))",
                metadata: ["action": "reload-applied"])
            return (context, engine)
        } catch {
            logger.error(
                "reload refused, keeping the current settings: \(error)",
                metadata: ["action": "reload-failed", "error": "\(error)"])
            return nil
        }
    }

    /// Says so when searches use another model than the one this daemon embeds with: the chunks it writes are then
    /// not found until that model has vectors for them.
    private func warnIfNotActive(_ context: RagsyncContext) async {
        let model = context.configuration.embeddingModel
        guard let active = try? await context.catalog.activeModel(), active != model else { return }
        let message =
            "searches use the active model \(active), but this daemon embeds with \(model): chunks it writes are found "
            + "only once they have \(active) vectors too (`ragsync reembed --model \(active)`); set "
            + "RAGSYNC_EMBEDDING_MODEL=\(active), or `ragsync activate \(model)` once it covers every chunk"
        logger.warning(
            "\(message)",
            metadata: ["action": "model-not-active", "embedding_model": "\(model)", "active_model": "\(active)"])
    }

    /// Migrates (idempotent) and verifies the schema, retrying while the database is unreachable.
    private func connect() async throws -> RagsyncContext {
        var backoff = RetryBackoff()
        var lastProblem = ""
        while true {
            heartbeats.beat("indexer")
            do {
                _ = try await Migration.run(configuration: configuration, logger: logger)
                return try await RagsyncContext.open(configuration: configuration, logger: logger)
            } catch let error as PostgresError where RagsyncFailure.kind(of: error) == .outage {
                let delay = backoff.nextDelay()
                let problem = error.message.split(whereSeparator: \.isNewline).first.map(String.init) ?? "no answer"
                if problem != lastProblem {
                    logger.warning(
                        "database unreachable: \(error); retrying with backoff",
                        metadata: [
                            "action": "retry", "error": "\(error)", "message_id": "\(MessageID.databaseUnreachable)",
                        ])
                    lastProblem = problem
                }
                board.update { $0.phase = .connecting(problem: problem, retryAt: .now + delay) }
                // Still starting: keep systemd from timing the start out while the database is down.
                notifier.send(.extendTimeout(microseconds: UInt64((delay + .seconds(30)).components.seconds) * 1_000_000))
                heartbeats.beat("indexer", waiting: true)
                try await Task.sleep(for: delay)
            }
        }
    }

    /// Index upkeep failing is logged, not fatal: search still works (exactly, or through the old index).
    private func maintainVectorIndex(_ context: RagsyncContext, after summary: SyncSummary? = nil) async {
        do {
            let outcome = try await context.maintainVectorIndex(after: summary)
            if outcome.action != .skipped { metrics.observe(outcome.state) }
        } catch {
            logger.warning("vector index upkeep failed: \(error)", metadata: ["action": "vector-index", "error": "\(error)"])
        }
    }

    /// Reads the counts STATUS shows. A database that went away just after a pass committed is waited for (10 tries,
    /// half a second apart): an idle daemon would otherwise show the counts of before the pass until its next one,
    /// an hour later (a test crashing the database 20 times once saw "Watching 0 documents" after indexing 500).
    private func refreshTotals(_ store: DocumentStore, lastChanged: String? = nil) async {
        var totals: (documents: Int, chunks: Int, failed: Int)?
        for attempt in 0..<10 {
            if attempt > 0 {
                do { try await Task.sleep(for: .milliseconds(500)) } catch { return }
            }
            if let counted = try? await store.totals() {
                totals = counted
                break
            }
        }
        guard let totals else {
            logger.warning("could not count the documents for STATUS; it shows the counts of an earlier pass")
            return
        }
        board.update { status in
            status.documents = totals.documents
            status.chunks = totals.chunks
            status.failedDocuments = totals.failed
            if let lastChanged { status.lastDocument = (lastChanged, .now) }
        }
    }

    /// One journal entry per pass that changed something; single documents were logged as they were written.
    private func report(_ summary: SyncSummary, of batch: ChangeBatch) {
        // Passes that changed nothing (periodic checks, polling) stay out of the journal unless debugging.
        let level: Logger.Level = summary.changedAnything || summary.failed > 0 ? .info : .debug
        let message =
            "\(batch.isFullReconcile ? "reconciled" : "updated"): \(summary.indexed) indexed, \(summary.renamed) renamed, "
            + "\(summary.removed) removed, \(summary.unchanged) unchanged, \(summary.failed) failed; "
            + "\(summary.chunksEmbedded) chunks embedded, \(summary.chunksReused) reused"
        logger.log(
            level: level, "\(message)",
            metadata: [
                "action": "\(batch.isFullReconcile ? "reconciled" : "updated")",
                "message_id": "\(MessageID.reconciled)",
                "documents_indexed": "\(summary.indexed)", "documents_removed": "\(summary.removed)",
                "documents_failed": "\(summary.failed)", "chunks_embedded": "\(summary.chunksEmbedded)",
                "chunks_reused": "\(summary.chunksReused)", "documents_repaired": "\(summary.repaired)",
                "duration_ms": "\(Int(summary.seconds * 1000))",
            ])
    }

    // MARK: - Metrics

    /// Serves `/metrics` until the group shuts down.
    private func serve(_ endpoint: PrometheusEndpoint) async throws {
        endpoint.start()
        logger.notice(
            "serving metrics on http://\(endpoint.address)/metrics",
            metadata: ["action": "metrics", "address": "\(endpoint.address)"])
        defer { endpoint.close() }
        try await Task.sleep(for: .seconds(365 * 24 * 3600 * 100))
    }

    // MARK: - Status, watchdog, periodic reconcile

    /// Sends STATUS when it changed, pings the watchdog while every task makes progress, and asks for the periodic
    /// reconcile. It turns every second while the daemon works (progress, retry countdowns) and every 5 seconds
    /// when idle, waking early for a watchdog ping that is due: an idle daemon wakes a few times a minute.
    private func reportStatus(watcher: ContentWatcher) async {
        let watchdog = notifier.watchdogInterval
        let busyTick = min(.seconds(1), (watchdog ?? .seconds(4)) / 4)
        let idleTick = Duration.seconds(5)
        var lastPing = ContinuousClock.now - .seconds(3600)
        var reportedStall = false
        var nextReconcile = ContinuousClock.now + configuration.reconcileInterval
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let watcherReport = await watcher.report()
            metrics.observe(queued: queue.pendingCount, watcher: watcherReport)
            let text = board.textToSend(at: now) { [queue] status in
                status.watcher = watcherReport
                status.queued = queue.pendingCount
            }
            if let text { notifier.send(.status(text)) }
            if let watchdog, now - lastPing >= watchdog / 2 {
                if let stall = heartbeats.stalledTask(at: now) {
                    if !reportedStall {
                        logger.critical(
                            "the \(stall.task) made no progress for \(stall.silence); no longer pinging the watchdog",
                            metadata: ["action": "stalled"])
                        reportedStall = true
                    }
                } else {
                    notifier.send(.watchdog)
                    lastPing = now
                    reportedStall = false
                }
            }
            if now >= nextReconcile {
                queue.record(.fullReconcile)
                if case .polling = watcherReport.mode {
                    nextReconcile = now + configuration.pollInterval
                } else {
                    nextReconcile = now + configuration.reconcileInterval
                }
            } else if case .polling = watcherReport.mode, nextReconcile - now > configuration.pollInterval {
                nextReconcile = now + configuration.pollInterval
            }
            let isIdle = board.update { [queue] in $0.phase == .idle && queue.pendingCount == 0 }
            var wakeAt = now + (isIdle ? idleTick : busyTick)
            if let watchdog { wakeAt = min(wakeAt, max(lastPing + watchdog / 2, now + busyTick)) }
            try? await Task.sleep(until: min(wakeAt, max(nextReconcile, now + busyTick)), clock: .continuous)
        }
    }

    // MARK: - Signals

    /// Reloads on SIGHUP until the group shuts down, and announces the stop first: it is the last service started,
    /// so the first one a graceful shutdown reaches.
    private func control() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await withGracefulShutdownHandler {
            for await _ in hangups.cancelOnGracefulShutdown() { reloadRequested() }
        } onGracefulShutdown: { [board, notifier, logger] in
            board.update { $0.phase = .stopping }
            notifier.send(.stopping, .status("Stopping: finishing the document in flight"))
            logger.notice("stopping", metadata: ["action": "stopping", "message_id": "\(MessageID.stopping)"])
        }
    }

    /// Reads the settings again; the indexing loop applies them before its next pass, a full reconcile.
    private func reloadRequested() {
        notifier.send(
            .reloading(monotonicMicroseconds: ServiceNotifier.monotonicMicroseconds()), .status("Reloading: full reconcile"))
        logger.notice("reloading", metadata: ["action": "reloading", "message_id": "\(MessageID.reloading)"])
        do {
            let reloaded = try loadConfiguration()
            try reloaded.validateForEmbedding()
            if reloaded.databaseURL != configuration.databaseURL
                || reloaded.contentDirectory != configuration.contentDirectory
            {
                logger.warning("DATABASE_URL and RAGSYNC_CONTENT_DIR changes take effect on restart")
            }
            reload.begin(with: reloaded)
            queue.record(.fullReconcile)
        } catch {
            // The old settings stay in force.
            logger.error(
                "reload refused, keeping the current settings: \(error)",
                metadata: ["action": "reload-failed", "error": "\(error)"])
            notifier.send(.ready)
        }
    }
}
