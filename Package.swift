// swift-tools-version:6.0
// ragsync — keeps a folder of markdown files indexed in PostgreSQL + pgvector.
import PackageDescription

let strictSwift: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "ragsync",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ragsync", targets: ["ragsync"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C libraries, found with pkg-config, installed from Debian's -dev packages.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CCmarkGFM",
            pkgConfig: "libcmark-gfm",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]
        ),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CMalloc"),
        // OpenBLAS (Debian's libopenblas0), opened with dlopen when the local model loads; see COpenBLAS.h.
        .target(name: "COpenBLAS", linkerSettings: [.linkedLibrary("dl")]),
        // libcurl's setopt/getinfo are variadic; this shim gives Swift one typed function per argument kind. It also
        // answers GnuTLS (in libcurl's librtmp) that it need not initialise itself at load (GnuTLSLoadTimeInit.c).
        .target(
            name: "CCurlShim",
            linkerSettings: [.linkedLibrary("curl")]
        ),

        // Runs blocking C calls (libpq, libcurl, inotify) on threads of their own, off the cooperative pool.
        .target(name: "ThreadExecutor", swiftSettings: strictSwift),

        // Watch: inotify through Glibc — descriptors, watches and a reader on its own thread.
        .target(name: "Inotify", dependencies: ["ThreadExecutor"], swiftSettings: strictSwift),
        // Systemd: sd_notify and the journal as a swift-log back end.
        .target(
            name: "Systemd",
            dependencies: ["CSystemd", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
        // Store: a libpq wrapper with parameterized queries only.
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ", "ThreadExecutor"],
            swiftSettings: strictSwift
        ),
        // Parse: markdown to a block tree through cmark-gfm.
        .target(name: "Markdown", dependencies: ["CCmarkGFM"], swiftSettings: strictSwift),
        // Parse: frontmatter YAML to a node tree through libyaml.
        .target(name: "YAML", dependencies: ["CYAML"], swiftSettings: strictSwift),
        // Parse → Chunk: pure indexing logic, no C module, no I/O.
        .target(name: "Indexer", dependencies: ["Markdown", "YAML"], swiftSettings: strictSwift),
        // Watch → queue → plan: the daemon's core as state machines and pure logic, simulated in the tests. The disk
        // is reached only through the FileSystem protocol.
        .target(name: "SyncCore", dependencies: ["Indexer"], swiftSettings: strictSwift),
        // Embed: OpenAI-compatible embeddings over libcurl.
        .target(
            name: "Embedding",
            dependencies: [
                "CCurlShim", "ThreadExecutor",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSwift
        ),
        // Embed locally: all-MiniLM-L6-v2 in-process (safetensors, WordPiece, a BERT forward pass over OpenBLAS).
        .target(
            name: "LocalEmbedding",
            dependencies: ["COpenBLAS", "Embedding", "ThreadExecutor"],
            swiftSettings: strictSwift
        ),
        // Store: schema, migrations and the document/chunk/embedding tables.
        .target(
            name: "IndexStore",
            dependencies: ["Postgres", "Indexer", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
        // Metrics: Prometheus text on a small HTTP listener of its own thread (RAGSYNC_METRICS_LISTEN).
        .target(
            name: "MetricsEndpoint",
            dependencies: [
                "ThreadExecutor",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        // Configuration and the commands' logic; the executable is a thin front end over it.
        .target(
            name: "RagsyncKit",
            dependencies: [
                "Indexer", "SyncCore", "Embedding", "LocalEmbedding", "IndexStore", "Postgres", "Inotify", "Systemd",
                "CMalloc", "MetricsEndpoint",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "ragsync",
            dependencies: [
                "RagsyncKit", "Systemd", "IndexStore", "Indexer", "MetricsEndpoint",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift,
            // GnuTLS's library constructor looks this symbol up to skip its load-time initialisation; see
            // Sources/CCurlShim/GnuTLSLoadTimeInit.c.
            linkerSettings: [.unsafeFlags(["-Xlinker", "--export-dynamic-symbol=_gnutls_global_init_skip"])]
        ),

        // Test support: the local embedding server process and test databases.
        .target(
            name: "RagsyncTestSupport",
            dependencies: ["Postgres"],
            path: "Tests/RagsyncTestSupport",
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "SystemdTests",
            dependencies: ["Systemd", "RagsyncTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "WatchLogicTests", dependencies: ["RagsyncKit", "SyncCore", "RagsyncTestSupport", "ThreadExecutor"],
            swiftSettings: strictSwift),
        .testTarget(
            name: "SimulationTests", dependencies: ["SyncCore", "Indexer", "RagsyncTestSupport"],
            swiftSettings: strictSwift),
        .testTarget(name: "InotifyTests", dependencies: ["Inotify"], swiftSettings: strictSwift),
        .testTarget(
            name: "MetricsEndpointTests",
            dependencies: [
                "MetricsEndpoint", "RagsyncTestSupport", .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift),
        .testTarget(
            name: "IndexerTests",
            dependencies: [
                "Indexer", "Markdown", "YAML", "RagsyncTestSupport",
                // The reference the content hash is compared with on random inputs.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSwift),
        // Against Yams, the reference for YAML composition, implicit types and timestamps. Yams' own copy of libyaml
        // takes precedence over the system's in the test binary; the ragsync binary the integration tests run has only
        // the system's.
        .testTarget(
            name: "YAMLReferenceTests",
            dependencies: ["Indexer", "YAML", "RagsyncTestSupport", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSwift),
        .testTarget(
            name: "EmbeddingTests",
            dependencies: ["Embedding", "RagsyncTestSupport"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "LocalEmbeddingTests",
            dependencies: ["LocalEmbedding", "ThreadExecutor", "RagsyncTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "RagsyncKit", "SyncCore", "IndexStore", "Postgres", "Indexer", "Embedding", "RagsyncTestSupport",
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSwift
        ),
    ]
)
