// ragsync — `ragsync watch`: the daemon, as systemd runs it (Type=notify).

import ArgumentParser
import Embedding
import FoundationEssentials
import Glibc
import Logging
import MetricsEndpoint
import RagsyncKit
import Systemd

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Keep the index current: watch the content directory and index every change as it is saved.",
        discussion: """
            Runs until SIGTERM or SIGINT (exit 0). SIGHUP runs a full reconcile and re-reads the API key file \
            (--openai-api-key-file; systemd passes settings and credentials only at start, so restart there). Under \
            systemd (Type=notify) it reports READY, STATUS, WATCHDOG, RELOADING and STOPPING and logs to the \
            journal. Migrates the schema at start. Exit status 78 for configuration errors, which a restart cannot \
            fix.
            """
    )

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        // First of all: the daemon runs without glibc's per-thread caches of freed blocks (ProcessMemory says why).
        ProcessMemory.restartingWithoutThreadCaches()
        // libcurl is set up before any thread starts; a peer closing a socket must not kill the process.
        signal(SIGPIPE, SIG_IGN)
        _ = OpenAIEmbeddingClient.initializeCurlGlobally()
        let notifier = ServiceNotifier()
        do {
            try await reportingFailures {
                let configuration = try options.loadConfiguration()
                do throws(ConfigurationError) {
                    try configuration.validateForEmbedding()
                } catch {
                    throw CommandFailure.configuration(error)
                }
                let overrides = options.overrides
                // Bootstrapped only when served: without it every metric is a no-op and costs nothing.
                let registry = configuration.metricsListen == nil ? nil : MetricsBackend.bootstrapPrometheus()
                let daemon = IndexingDaemon(
                    configuration: configuration,
                    loadConfiguration: {
                        try RagsyncConfiguration(environment: ProcessInfo.processInfo.environment, overrides: overrides)
                    },
                    logger: Logger(label: "ragsync"), notifier: notifier, metricsRegistry: registry)
                try await daemon.run()
            }
        } catch let exit as ExitCode {
            // systemd shows why the service failed; ERRNO= takes an errno, not an exit status.
            let errno = exit.rawValue == ConfigurationError.exitStatus ? EINVAL : EIO
            notifier.send(.status("Failed (exit \(exit.rawValue)); see journalctl -u ragsync"), .errno(errno))
            throw exit
        }
    }
}
