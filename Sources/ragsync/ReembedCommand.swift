// ragsync — `ragsync reembed`: another model's vectors for every chunk, beside the ones searched now.

import ArgumentParser
import FoundationEssentials
import Logging
import RagsyncKit
import Systemd

struct ReembedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reembed",
        abstract: "Embed every chunk with another model, beside the active model's vectors, without downtime.",
        discussion: """
            Reads the chunks from the database (no content folder needed) and embeds those without a vector of \
            --model, a batch at a time: an interrupted run resumes, and chunks the daemon writes meanwhile are \
            included before it ends. The embedder comes from the usual settings (--embedder, OPENAI_BASE_URL, \
            ...). Searches keep using the active model until `ragsync activate`. Progress goes to stderr, the \
            journal, and systemd's STATUS when run as a unit (systemd-run -p Type=notify ...).
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(name: .customLong("model"), help: "The model to embed with, as the embedding server names it.")
    var model: String

    @Option(name: .customLong("dimensions"), help: "Its vector dimension (default: the model's, or RAGSYNC_EMBEDDING_DIMENSIONS).")
    var dimensions: Int?

    func run() async throws {
        try await reportingFailures {
            var options = self.options
            options.embeddingModel = model
            if let dimensions { options.embeddingDimensions = String(dimensions) }
            let configuration = try options.loadConfiguration()
            let logger = Logger(label: "ragsync.reembed")
            let notifier = ServiceNotifier()
            let context = try await RagsyncContext.open(configuration: configuration, logger: logger)
            let reembedder = try context.makeReembedder()
            notifier.send(.ready, .status("Re-embedding with \(model)"))
            let line = ProgressLine(unit: "chunks", verb: "embedded")
            let summary = try await reembedder.run { progress in
                line.show(done: progress.embedded, total: progress.total)
                notifier.send(.status("Re-embedding with \(model): \(progress.embedded) of \(progress.total) chunks"))
            }
            line.finish()
            print("model: \(summary.model)")
            print("chunks embedded: \(summary.rowsWritten) (\(summary.textsEmbedded) distinct texts, \(summary.tokens) tokens)")
            print("outlines embedded: \(summary.outlinesEmbedded)")
            let index = try await context.maintainVectorIndex(of: model)
            if index.action != .kept { print("vector index: \(index.action.rawValue) (\(index.reason))") }
            print("time: \((summary.seconds + index.seconds).fixedPoint(2)) s")
            logger.notice(
                "reembed \(model) done: \(summary.rowsWritten) chunk(s), \(summary.outlinesEmbedded) outline(s)",
                metadata: ["action": "reembed-done", "embedding_model": "\(model)"])
            guard summary.documentsNotRebuilt.isEmpty else {
                throw CommandFailure.failed(
                    "\(summary.documentsNotRebuilt.count) document(s) were written by a ragsync older than schema 12 "
                        + "and not indexed since, so their texts cannot be rebuilt from the database: "
                        + summary.documentsNotRebuilt.prefix(5).joined(separator: ", ")
                        + "; let the daemon's next full pass index them again (`systemctl reload ragsync`, or "
                        + "`ragsync sync` in their folder), then run reembed again",
                    status: 1)
            }
            print("next: `ragsync activate \(model)` to search with it")
        }
    }
}
