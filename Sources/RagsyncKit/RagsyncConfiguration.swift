// ragsync — RagsyncConfiguration: every setting, read from the environment and overridden by flags.

import Glibc
public import Indexer
public import MetricsEndpoint
import LocalEmbedding
import Logging
internal import Postgres

/// ragsync's settings.
///
/// They come from environment variables named as in the origin project's `.env`, so one `EnvironmentFile` serves
/// both; a command-line flag wins over its variable. Secrets (the API key, the database password) are kept here but
/// never printed: ``redactedDescription`` masks them.
public struct RagsyncConfiguration: Sendable {
    /// Where embeddings come from.
    public enum Embedder: String, Sendable, CaseIterable {
        /// all-MiniLM-L6-v2 in this process: no network, no key.
        case local
        /// OpenAI or any server speaking its embeddings API.
        case openai
    }

    public var embedder: Embedder
    /// Where the local model's files are (`RAGSYNC_LOCAL_MODEL_DIR`); nil to look in the project's `.venv`.
    public var localModelDirectory: String?
    public var databaseURL: String
    /// A session-mode URL for what needs a session (`RAGSYNC_DIRECT_DATABASE_URL`, e.g. Supabase's direct connection):
    /// the vector index upkeep, which holds a session lock and builds concurrently. The same as ``databaseURL`` unless
    /// set; needed when DATABASE_URL goes through a transaction pooler.
    public var directDatabaseURL: String
    /// A client for `DATABASE_URL`, preparing statements as `preparation` says (shared by the clients of one
    /// process, see ``makeStatementPreparation(logger:)``).
    func makeDatabaseClient(preparation: StatementPreparation) -> PostgresClient {
        PostgresClient(url: databaseURL, preparation: preparation)
    }

    /// Whether clients of `DATABASE_URL` prepare statements. When `RAGSYNC_DIRECT_DATABASE_URL` names another URL,
    /// `DATABASE_URL` goes through a transaction pooler: its connections send statements unnamed from the start
    /// (``PostgresConnection/preparesStatements``) rather than learn it from the first refused one. Otherwise the
    /// first refusal turns preparing off for all of them, and `logger` says so once.
    func makeStatementPreparation(logger: Logger?) -> StatementPreparation {
        let message =
            "DATABASE_URL (\(ConnectionString.redacted(databaseURL))) lost a prepared statement between "
            + "transactions, as a transaction pooler does: statements go unnamed from now on, each parsed by the "
            + "server. Set RAGSYNC_DIRECT_DATABASE_URL to the database's direct or session-mode URL: statements then "
            + "go unnamed from the start, and the vector index upkeep gets the session it needs"
        return StatementPreparation(isOn: directDatabaseURL == databaseURL) {
            logger?.notice("\(message)", metadata: ["action": "statements-unnamed"])
        }
    }

    public var openAIAPIKey: String?
    public var openAIBaseURL: String
    public var contentDirectory: String
    /// The name this content directory's documents are kept under (`RAGSYNC_SOURCE`): a pass sees and deletes only
    /// its own source's documents, so two folders can feed one database.
    public var source: String
    public var embeddingModel: String
    public var embeddingDimensions: Int
    public var chunkTargetTokens: Int
    public var chunkOverlapTokens: Int
    /// Tokens of the document's description repeated in each chunk's embedded text (0: none).
    public var chunkContextTokens: Int
    /// The PostgreSQL text search configuration of the chunks' full text, e.g. `english` or `simple`.
    public var textSearchConfiguration: String
    /// Files larger than this are refused with an error naming the limit (bounded memory).
    public var maxFileBytes: Int
    /// Bytes of new vectors one batch holds in memory; a document with more has them staged in the database
    /// (`RAGSYNC_MAX_HELD_VECTOR_BYTES`, ``SyncEngine/heldVectorBytes``).
    public var maxHeldVectorBytes: Int
    public var logLevel: String
    /// How long one embedding request may take (`RAGSYNC_EMBEDDING_TIMEOUT`, seconds).
    public var embeddingTimeout: Duration
    /// Retries of a failed embedding request before the batch waits for the daemon's backoff
    /// (`RAGSYNC_EMBEDDING_RETRIES`).
    public var embeddingRetries: Int
    /// The approximate index kept on the embeddings: `ivfflat`, `hnsw` or `none` (`RAGSYNC_VECTOR_INDEX`).
    public var vectorIndex: String
    /// Below this many embeddings no approximate index is kept (`RAGSYNC_VECTOR_INDEX_MIN_ROWS`).
    public var vectorIndexMinimumRows: Int
    /// `ragsync watch`: seconds between full reconciles that catch anything the watcher could not see.
    public var reconcileInterval: Duration
    /// `ragsync watch`: seconds between reconciles when inotify cannot be used (network file system, limits).
    public var pollInterval: Duration
    /// `ragsync watch`: how long one indexing step may run without progress before the watchdog stops being
    /// pinged, so systemd restarts a stuck daemon.
    public var stallTimeout: Duration
    /// `ragsync watch`: watch at most this many folders; a larger tree is polled. Nil: the kernel's limit only.
    public var maxWatchedFolders: Int?
    /// `ragsync watch`: where to serve Prometheus metrics on `/metrics` (`RAGSYNC_METRICS_LISTEN`); nil: off.
    public var metricsListen: ListenAddress?
    /// How many documents one pass may delete (`RAGSYNC_MAX_DELETE`, `--allow-mass-delete`).
    public var deletionGuard = DeletionGuard()

    public static let defaultOpenAIBaseURL = "https://api.openai.com/v1"
    /// The in-process model's name, as written to `chunk_embeddings.embedding_model`.
    public static let localModelName = "all-MiniLM-L6-v2"

    /// Values given on the command line; `nil` means "use the environment or the default".
    public struct Overrides: Sendable {
        public var embedder: String?
        public var databaseURL: String?
        public var openAIBaseURL: String?
        public var openAIAPIKeyFile: String?
        public var contentDirectory: String?
        public var source: String?
        public var embeddingModel: String?
        public var embeddingDimensions: String?
        public var chunkTargetTokens: String?
        public var chunkOverlapTokens: String?
        public var logLevel: String?
        /// `--allow-mass-delete`: no limit on deletions for this run.
        public var allowMassDelete = false

        public init() {}
    }

    /// Reads the settings.
    /// - Parameters:
    ///   - environment: the process environment (injected for tests).
    ///   - overrides: flags, which win over the environment.
    ///   - workingDirectory: what a relative content directory is relative to; nil for the process's own.
    /// - Throws: `ConfigurationError` naming the first bad setting.
    public init(
        environment: [String: String], overrides: Overrides = Overrides(),
        workingDirectory: String? = nil
    ) throws(ConfigurationError) {
        func value(_ flag: String?, _ variable: String) -> String? {
            if let flag, !flag.isEmpty { return flag }
            if let value = environment[variable], !value.isEmpty { return value }
            return nil
        }

        guard let databaseURL = value(overrides.databaseURL, "DATABASE_URL") else {
            throw ConfigurationError(
                setting: "DATABASE_URL (--database-url)",
                problem: "not set; set it to your PostgreSQL URL, e.g. postgresql://user:password@host:5432/db, "
                    + "or run `make run`, which starts the embedded database and sets it")
        }
        guard databaseURL.hasPrefix("postgresql://") || databaseURL.hasPrefix("postgres://")
            || databaseURL.contains("=")
        else {
            throw ConfigurationError(
                setting: "DATABASE_URL (--database-url)",
                problem: "\(ConnectionString.redacted(databaseURL)) is not a postgresql:// URL or key=value string")
        }
        self.databaseURL = databaseURL
        if let direct = environment["RAGSYNC_DIRECT_DATABASE_URL"], !direct.isEmpty {
            guard direct.hasPrefix("postgresql://") || direct.hasPrefix("postgres://") || direct.contains("=") else {
                throw ConfigurationError(
                    setting: "RAGSYNC_DIRECT_DATABASE_URL",
                    problem: "\(ConnectionString.redacted(direct)) is not a postgresql:// URL or key=value string; "
                        + "give the session-mode (direct) URL of the same database, or unset it")
            }
            self.directDatabaseURL = direct
        } else {
            self.directDatabaseURL = databaseURL
        }

        let baseURL = value(overrides.openAIBaseURL, "OPENAI_BASE_URL") ?? Self.defaultOpenAIBaseURL
        guard Self.isHTTPURL(baseURL) else {
            throw ConfigurationError(
                setting: "OPENAI_BASE_URL (--openai-base-url)",
                problem: "\(baseURL) is not an http(s) URL; use e.g. https://api.openai.com/v1")
        }
        self.openAIBaseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL

        self.openAIAPIKey = try Self.apiKey(environment: environment, keyFile: overrides.openAIAPIKeyFile)

        // Without a key or a server, embeddings are made in-process: `make run` works offline.
        let embedderName =
            value(overrides.embedder, "RAGSYNC_EMBEDDER")?.lowercased()
            ?? (openAIAPIKey != nil || value(overrides.openAIBaseURL, "OPENAI_BASE_URL") != nil ? "openai" : "local")
        guard let embedder = Embedder(rawValue: embedderName) else {
            throw ConfigurationError(
                setting: "RAGSYNC_EMBEDDER (--embedder)", problem: "\(embedderName) is not one of local, openai")
        }
        self.embedder = embedder
        self.localModelDirectory = environment["RAGSYNC_LOCAL_MODEL_DIR"]

        let directory = value(overrides.contentDirectory, "RAGSYNC_CONTENT_DIR") ?? "./content"
        guard let absolute = Self.absolutePath(directory, workingDirectory: workingDirectory ?? Self.currentDirectory())
        else {
            let reason = String(cString: strerror(errno))
            throw ConfigurationError(
                setting: "RAGSYNC_CONTENT_DIR (--content-dir)",
                problem: "\(directory) is relative and the working directory cannot be read (\(reason)); "
                    + "give an absolute path")
        }
        self.contentDirectory = absolute
        self.source = try Self.source(
            value(overrides.source, "RAGSYNC_SOURCE"), contentDirectory: contentDirectory,
            hostName: Self.hostName)

        let isLocal = embedder == .local
        let model = value(overrides.embeddingModel, "RAGSYNC_EMBEDDING_MODEL")
        if isLocal, let model, model != Self.localModelName {
            throw ConfigurationError(
                setting: "RAGSYNC_EMBEDDING_MODEL (--embedding-model)",
                problem: "\(model) is not the local model (\(Self.localModelName)); unset it, or set RAGSYNC_EMBEDDER=openai")
        }
        self.embeddingModel = model ?? (isLocal ? Self.localModelName : "text-embedding-3-small")
        self.embeddingDimensions = try Self.integer(
            value(overrides.embeddingDimensions, "RAGSYNC_EMBEDDING_DIMENSIONS"), default: isLocal ? 384 : 1536,
            range: isLocal ? 384...384 : 1...16_000, setting: "RAGSYNC_EMBEDDING_DIMENSIONS (--embedding-dimensions)")
        // The local model reads at most 254 wordpieces: its chunks are sized in wordpieces, well under that.
        self.chunkTargetTokens = try Self.integer(
            value(overrides.chunkTargetTokens, "RAGSYNC_CHUNK_TOKENS"), default: isLocal ? 128 : 500,
            range: isLocal ? 100...200 : 100...4000, setting: "RAGSYNC_CHUNK_TOKENS (--chunk-tokens)")
        self.chunkOverlapTokens = try Self.integer(
            value(overrides.chunkOverlapTokens, "RAGSYNC_CHUNK_OVERLAP"), default: isLocal ? 32 : 75, range: 0...200,
            setting: "RAGSYNC_CHUNK_OVERLAP (--chunk-overlap)")
        guard chunkOverlapTokens < chunkTargetTokens / 2 else {
            throw ConfigurationError(
                setting: "RAGSYNC_CHUNK_OVERLAP (--chunk-overlap)",
                problem: "\(chunkOverlapTokens) must be less than half of RAGSYNC_CHUNK_TOKENS (\(chunkTargetTokens))")
        }
        self.chunkContextTokens = try Self.integer(
            environment["RAGSYNC_CHUNK_CONTEXT_TOKENS"], default: isLocal ? 40 : 60, range: 0...200,
            setting: "RAGSYNC_CHUNK_CONTEXT_TOKENS")
        let textSearch = environment["RAGSYNC_TEXT_SEARCH_CONFIG"] ?? "english"
        guard !textSearch.isEmpty, textSearch.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw ConfigurationError(
                setting: "RAGSYNC_TEXT_SEARCH_CONFIG",
                problem: "\(textSearch) is not a text search configuration name (e.g. english, simple, german)")
        }
        self.textSearchConfiguration = textSearch
        self.maxFileBytes = try Self.integer(
            environment["RAGSYNC_MAX_FILE_BYTES"], default: 8 * 1024 * 1024, range: 1024...1_073_741_824,
            setting: "RAGSYNC_MAX_FILE_BYTES")
        self.maxHeldVectorBytes = try Self.integer(
            environment["RAGSYNC_MAX_HELD_VECTOR_BYTES"], default: 12 * 1024 * 1024, range: 1024...1_073_741_824,
            setting: "RAGSYNC_MAX_HELD_VECTOR_BYTES")
        let level = (value(overrides.logLevel, "RAGSYNC_LOG_LEVEL") ?? "info").lowercased()
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(level) else {
            throw ConfigurationError(
                setting: "RAGSYNC_LOG_LEVEL (--log-level)",
                problem: "\(level) is not one of trace, debug, info, notice, warning, error, critical")
        }
        self.logLevel = level
        self.embeddingTimeout = .seconds(
            try Self.integer(
                environment["RAGSYNC_EMBEDDING_TIMEOUT"], default: 60, range: 1...3600,
                setting: "RAGSYNC_EMBEDDING_TIMEOUT"))
        self.embeddingRetries = try Self.integer(
            environment["RAGSYNC_EMBEDDING_RETRIES"], default: 6, range: 0...20, setting: "RAGSYNC_EMBEDDING_RETRIES")
        let vectorIndex = (environment["RAGSYNC_VECTOR_INDEX"] ?? "ivfflat").lowercased()
        guard ["ivfflat", "hnsw", "none"].contains(vectorIndex) else {
            throw ConfigurationError(
                setting: "RAGSYNC_VECTOR_INDEX", problem: "\(vectorIndex) is not one of ivfflat, hnsw, none")
        }
        self.vectorIndex = vectorIndex
        self.vectorIndexMinimumRows = try Self.integer(
            environment["RAGSYNC_VECTOR_INDEX_MIN_ROWS"], default: 10_000, range: 0...1_000_000_000,
            setting: "RAGSYNC_VECTOR_INDEX_MIN_ROWS")
        self.reconcileInterval = .seconds(
            try Self.integer(
                environment["RAGSYNC_RECONCILE_INTERVAL"], default: 3600, range: 10...604_800,
                setting: "RAGSYNC_RECONCILE_INTERVAL"))
        self.pollInterval = .seconds(
            try Self.integer(
                environment["RAGSYNC_POLL_INTERVAL"], default: 30, range: 1...86_400, setting: "RAGSYNC_POLL_INTERVAL"))
        self.stallTimeout = .seconds(
            try Self.integer(
                environment["RAGSYNC_STALL_TIMEOUT"], default: 600, range: 1...86_400, setting: "RAGSYNC_STALL_TIMEOUT"))
        if environment["RAGSYNC_MAX_WATCHED_FOLDERS"] != nil {
            self.maxWatchedFolders = try Self.integer(
                environment["RAGSYNC_MAX_WATCHED_FOLDERS"], default: 0, range: 1...10_000_000,
                setting: "RAGSYNC_MAX_WATCHED_FOLDERS")
        }
        if let listen = environment["RAGSYNC_METRICS_LISTEN"], !listen.isEmpty {
            guard let address = ListenAddress(listen) else {
                throw ConfigurationError(
                    setting: "RAGSYNC_METRICS_LISTEN",
                    problem: "\(listen) is not a numeric address and port; use e.g. 127.0.0.1:9464 or [::1]:9464")
            }
            self.metricsListen = address
        }
        if overrides.allowMassDelete {
            self.deletionGuard = DeletionGuard(limit: .none)
        } else if let maximum = environment["RAGSYNC_MAX_DELETE"], !maximum.isEmpty {
            if maximum.lowercased() == "all" {
                self.deletionGuard = DeletionGuard(limit: .none)
            } else {
                self.deletionGuard = DeletionGuard(
                    limit: .count(
                        try Self.integer(maximum, default: 0, range: 0...1_000_000_000, setting: "RAGSYNC_MAX_DELETE (a count, or all)")))
            }
        }
        // Checked now, so a contradiction exits 78 at start rather than when the first file is chunked.
        _ = try chunkingOptions(maxTokens: isLocal ? WordPieceTokenizer.maxWordpieces : nil)
    }

    /// The chunk budgets of these settings.
    /// - Parameter maxTokens: the embedder's own hard limit (the local model's wordpieces), or nil for the default
    ///   maximum of the target.
    /// - Throws: `ConfigurationError` naming `RAGSYNC_CHUNK_TOKENS` when the budgets contradict each other.
    public func chunkingOptions(maxTokens: Int?) throws(ConfigurationError) -> ChunkingOptions {
        do {
            return try ChunkingOptions(
                targetTokens: chunkTargetTokens, overlapTokens: chunkOverlapTokens, maxTokens: maxTokens,
                contextTokens: chunkContextTokens)
        } catch {
            throw ConfigurationError(
                setting: "RAGSYNC_CHUNK_TOKENS (--chunk-tokens), RAGSYNC_CHUNK_CONTEXT_TOKENS", problem: error.description)
        }
    }

    /// True when the embeddings go to OpenAI itself, which needs an API key.
    public var usesOpenAIService: Bool {
        embedder == .openai && openAIBaseURL == Self.defaultOpenAIBaseURL
    }

    /// Checks that the settings for calling the embedding service are complete.
    /// - Throws: `ConfigurationError` when OpenAI's own service is configured without a key.
    public func validateForEmbedding() throws(ConfigurationError) {
        if usesOpenAIService && openAIAPIKey == nil {
            throw ConfigurationError(
                setting: "OPENAI_API_KEY",
                problem: "not set, and OPENAI_BASE_URL is OpenAI's service; set the key (or give it as the systemd "
                    + "credential openai_api_key), or point OPENAI_BASE_URL at an OpenAI-compatible server")
        }
    }

    /// The settings as lines for `ragsync status` and start-up logs, with every secret masked.
    public var redactedDescription: [(String, String)] {
        [
            ("RAGSYNC_EMBEDDER", embedder.rawValue),
            ("DATABASE_URL", ConnectionString.redacted(databaseURL)),
            ("RAGSYNC_DIRECT_DATABASE_URL",
             directDatabaseURL == databaseURL ? "(DATABASE_URL)" : ConnectionString.redacted(directDatabaseURL)),
            ("OPENAI_BASE_URL", openAIBaseURL),
            ("OPENAI_API_KEY", openAIAPIKey == nil ? "(not set)" : "(set)"),
            ("RAGSYNC_CONTENT_DIR", contentDirectory),
            ("RAGSYNC_SOURCE", source),
            ("RAGSYNC_EMBEDDING_MODEL", embeddingModel),
            ("RAGSYNC_EMBEDDING_DIMENSIONS", String(embeddingDimensions)),
        ]
    }

    /// The source name: as set, or "host:/absolute/content/path", which stays the same from run to run and differs
    /// between hosts and folders.
    /// - Throws: `ConfigurationError` naming `RAGSYNC_SOURCE` for a name that is too long or holds control characters.
    static func source(_ configured: String?, contentDirectory: String, hostName: String) throws(ConfigurationError) -> String {
        guard let configured else { return "\(hostName):\(contentDirectory)" }
        guard configured.utf8.count <= 512, !configured.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw ConfigurationError(
                setting: "RAGSYNC_SOURCE (--source)",
                problem: "must be at most 512 bytes without control characters; use a short name such as site-a")
        }
        return configured
    }

    /// This machine's name (gethostname: no DNS lookup, unlike Foundation's hostName).
    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `path` made absolute against `workingDirectory` (nil: unknown) and normalised by its text: `.` and empty
    /// components dropped (as the kernel ignores them), `..` taken back (not past the root), no trailing slash;
    /// symbolic links stay as they are. `URL.standardizedFileURL`, used before, gave the same except after an empty component (`a//..` was `a`).
    /// Nil for a relative path without a working directory.
    static func absolutePath(_ path: String, workingDirectory: String?) -> String? {
        let joined: String
        if path.hasPrefix("/") {
            joined = path
        } else if let workingDirectory {
            joined = workingDirectory + "/" + path
        } else {
            return nil
        }
        var components: [Substring] = []
        for component in joined.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }

    /// The process's working directory, or nil when it cannot be read (removed, or too long).
    static func currentDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `text` is an absolute `http://` or `https://` URL with a host: no white space or control characters,
    /// and a non-empty host (after any `user@`, before any port) in the authority.
    static func isHTTPURL(_ text: String) -> Bool {
        let lowered = text.lowercased()
        guard let scheme = ["http://", "https://"].first(where: { lowered.hasPrefix($0) }) else { return false }
        guard !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else { return false }
        let authority = text.dropFirst(scheme.count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostAndPort = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        let host = hostAndPort.hasPrefix("[")
            ? hostAndPort.prefix { $0 != "]" }.dropFirst()
            : hostAndPort.prefix { $0 != ":" }
        return !host.isEmpty
    }

    /// A key file's bytes, following links; nil when it cannot be opened or read, or is over 64 KB. Any kind of file
    /// is read to its end, a pipe such as `--openai-api-key-file <(pass show openai)` too, which is why this is not
    /// `GlibcFileSystem.contents(of:maxBytes:)`: that one refuses links and all but regular files, as content files
    /// must be read where the scan saw them.
    private static func keyFileContents(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let limit = 64 * 1024
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return read(descriptor, base + filled, buffer.count - filled)
            }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { return nil }
            if count == 0 { break }
            filled += count
        }
        guard filled <= limit else { return nil }
        return Array(bytes.prefix(filled))
    }

    /// The API key from `--openai-api-key-file`, the systemd credential `openai_api_key`, or `OPENAI_API_KEY`.
    private static func apiKey(environment: [String: String], keyFile: String?) throws(ConfigurationError) -> String? {
        var file = keyFile
        var setting = "--openai-api-key-file"
        if file == nil, let credentials = environment["CREDENTIALS_DIRECTORY"] {
            let candidate = credentials + "/openai_api_key"
            // An empty credential is the unit's placeholder (SetCredential=) for "no key file installed".
            if let data = Self.keyFileContents(candidate),
                !String(decoding: data, as: UTF8.self).trimmingWhitespace().isEmpty
            {
                file = candidate
                setting = "credential openai_api_key ($CREDENTIALS_DIRECTORY)"
            }
        }
        if let file {
            guard let data = Self.keyFileContents(file) else {
                throw ConfigurationError(setting: setting, problem: "cannot read \(file); check it exists and is readable")
            }
            let key = String(decoding: data, as: UTF8.self).trimmingWhitespace()
            guard !key.isEmpty else {
                throw ConfigurationError(setting: setting, problem: "\(file) is empty")
            }
            return key
        }
        if let key = environment["OPENAI_API_KEY"]?.trimmingWhitespace(), !key.isEmpty {
            return key
        }
        return nil
    }

    private static func integer(
        _ text: String?, default defaultValue: Int, range: ClosedRange<Int>, setting: String
    ) throws(ConfigurationError) -> Int {
        guard let text else { return defaultValue }
        guard let value = Int(text.trimmingSpaces()), range.contains(value) else {
            throw ConfigurationError(
                setting: setting,
                problem: "\(text) is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}
