// ragsync — OpenAIEmbeddingConfiguration: where and how to reach an OpenAI-compatible embeddings endpoint.

/// Settings of an `OpenAIEmbeddingClient`.
///
/// The API key never appears in `description`, `debugDescription`, mirrors, errors or logs.
public struct OpenAIEmbeddingConfiguration: Sendable {
    /// The API root; requests go to `baseURL + "/embeddings"`.
    public var baseURL: String
    /// Sent as `Authorization: Bearer …`; nil sends no Authorization header (local servers).
    public var apiKey: String?
    /// Where the key came from, named in the advice of an authentication error (e.g. `OPENAI_API_KEY`).
    public var apiKeySource: String
    /// The model name.
    public var model: String
    /// The vector size; sent as `dimensions` when `sendsDimensions` is true, and checked on every response.
    public var dimensions: Int
    /// Whether to send the `dimensions` parameter (false for servers or models that reject it).
    public var sendsDimensions: Bool
    /// Most texts in one request (OpenAI's limit is 2048).
    public var maxInputsPerRequest: Int
    /// Token budget of one request, estimated per text by `tokenEstimate` (OpenAI allows 300k).
    public var maxTokensPerRequest: Int
    /// Time allowed to establish the connection.
    public var connectTimeout: Duration
    /// Time allowed for one whole request, connection included.
    public var requestTimeout: Duration
    /// Retries after the first attempt of each request.
    public var maxRetries: Int
    /// The first backoff; doubles per retry up to `maxBackoff`, with full jitter.
    public var initialBackoff: Duration
    /// The largest computed backoff.
    public var maxBackoff: Duration
    /// The longest wait a `Retry-After` header can ask for.
    public var maxRetryAfter: Duration
    /// Estimates the tokens of one text, for the per-request budget.
    public var tokenEstimate: @Sendable (String) -> Int

    /// Creates a configuration; every parameter has OpenAI's defaults.
    /// - Parameters: see the properties of the same names.
    public init(
        baseURL: String = "https://api.openai.com/v1",
        apiKey: String? = nil,
        apiKeySource: String = "OPENAI_API_KEY",
        model: String = "text-embedding-3-small",
        dimensions: Int = 1536,
        sendsDimensions: Bool = true,
        maxInputsPerRequest: Int = 2048,
        maxTokensPerRequest: Int = 250_000,
        connectTimeout: Duration = .seconds(10),
        requestTimeout: Duration = .seconds(60),
        maxRetries: Int = 6,
        initialBackoff: Duration = .milliseconds(500),
        maxBackoff: Duration = .seconds(30),
        maxRetryAfter: Duration = .seconds(60),
        tokenEstimate: @escaping @Sendable (String) -> Int = { ($0.utf8.count + 2) / 3 }
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.apiKeySource = apiKeySource
        self.model = model
        self.dimensions = dimensions
        self.sendsDimensions = sendsDimensions
        self.maxInputsPerRequest = maxInputsPerRequest
        self.maxTokensPerRequest = maxTokensPerRequest
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxRetries = maxRetries
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxRetryAfter = maxRetryAfter
        self.tokenEstimate = tokenEstimate
    }

    /// The embeddings endpoint: `baseURL` without trailing slashes, plus `/embeddings`.
    var endpointURL: String {
        var base = Substring(baseURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        return base + "/embeddings"
    }

    /// `baseURL` safe to show: no user information, query or fragment.
    var displayURL: String { Self.redactedURL(baseURL) }

    /// Removes user information (`user:password@`), the query and the fragment of a URL string.
    static func redactedURL(_ url: String) -> String {
        var rest = Substring(url)
        var scheme = Substring("")
        // Not `firstRange(of:)`, for the reason ConnectionString.redacted gives.
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            let authorityStart = rest.index(colon, offsetBy: 3)
            scheme = rest[..<authorityStart]
            rest = rest[authorityStart...]
        }
        if let end = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            rest = rest[..<end]
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        if let at = rest[..<authorityEnd].lastIndex(of: "@") {
            rest = rest[rest.index(after: at)...]
        }
        return String(scheme + rest)
    }

    /// Replaces every occurrence of the API key in `text` with `***`, byte for byte: a key is found even where a
    /// combining mark after it would make it part of a longer character.
    func redactingSecrets(_ text: String) -> String {
        guard let apiKey, apiKey.count >= 4 else { return text }
        let key = Array(apiKey.utf8)
        let bytes = Array(text.utf8)
        var redacted: [UInt8] = []
        var position = 0
        while position < bytes.count {
            if bytes.count - position >= key.count, bytes[position..<position + key.count].elementsEqual(key) {
                redacted += "***".utf8
                position += key.count
            } else {
                redacted.append(bytes[position])
                position += 1
            }
        }
        return String(decoding: redacted, as: UTF8.self)
    }

    /// Problems that make the configuration unusable, or nil.
    var validationProblem: String? {
        if !(baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://")) {
            return "the base URL \(displayURL) must start with http:// or https://"
        }
        if model.isEmpty { return "the model name is empty" }
        if dimensions < 1 { return "dimensions must be at least 1, not \(dimensions)" }
        if maxInputsPerRequest < 1 { return "maxInputsPerRequest must be at least 1, not \(maxInputsPerRequest)" }
        if maxTokensPerRequest < 1 { return "maxTokensPerRequest must be at least 1, not \(maxTokensPerRequest)" }
        if maxRetries < 0 { return "maxRetries must not be negative, not \(maxRetries)" }
        if let apiKey, apiKey.contains(where: { $0 == "\r" || $0 == "\n" }) {
            return "the API key contains a line break"
        }
        return nil
    }
}

extension OpenAIEmbeddingConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "OpenAIEmbeddingConfiguration(baseURL: \(displayURL), model: \(model), dimensions: \(dimensions), "
            + "apiKey: \(apiKey == nil ? "none" : "<redacted>"), maxInputsPerRequest: \(maxInputsPerRequest), "
            + "maxTokensPerRequest: \(maxTokensPerRequest), maxRetries: \(maxRetries))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "baseURL": displayURL, "model": model, "dimensions": dimensions,
                "apiKey": apiKey == nil ? "none" : "<redacted>",
            ],
            displayStyle: .struct
        )
    }
}
