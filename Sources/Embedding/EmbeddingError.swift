// ragsync — EmbeddingError: why embedding failed, safe to show in logs and STATUS.

/// An embedding request that failed for good (after retries, or at once for permanent errors).
///
/// `description` names the server (without credentials), the HTTP status, the provider's own message and what to
/// do; it never contains the API key. `debugDescription` adds the attempt count and the source location.
public struct EmbeddingError: Error, CustomStringConvertible, CustomDebugStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case unauthorized, badRequest, notFound, rateLimited, quotaExceeded, serverError, httpError
            case timeout, connectionFailed, transportFailed, malformedResponse, dimensionMismatch, cancelled
            case invalidConfiguration
        }

        fileprivate let base: Base

        /// HTTP 401 or 403: the API key is missing, wrong or lacks access.
        public static let unauthorized = Code(base: .unauthorized)
        /// HTTP 400 (or 413/422): the server refused the request as sent.
        public static let badRequest = Code(base: .badRequest)
        /// HTTP 404: wrong base URL or unknown model.
        public static let notFound = Code(base: .notFound)
        /// HTTP 429 on every attempt.
        public static let rateLimited = Code(base: .rateLimited)
        /// HTTP 429 with OpenAI's `insufficient_quota`: the account is out of credit; retrying does not help.
        public static let quotaExceeded = Code(base: .quotaExceeded)
        /// HTTP 5xx on every attempt.
        public static let serverError = Code(base: .serverError)
        /// Another unexpected HTTP status.
        public static let httpError = Code(base: .httpError)
        /// No complete answer within the connect or request timeout.
        public static let timeout = Code(base: .timeout)
        /// Could not resolve, connect, send or receive (connection refused, reset, closed without an answer).
        public static let connectionFailed = Code(base: .connectionFailed)
        /// Another libcurl failure (TLS certificate, unsupported URL, …); retrying does not help.
        public static let transportFailed = Code(base: .transportFailed)
        /// The answer was not a valid embeddings response (bad JSON, missing or duplicate indices, non-finite values).
        public static let malformedResponse = Code(base: .malformedResponse)
        /// The vectors have another size than the configured `dimensions`.
        public static let dimensionMismatch = Code(base: .dimensionMismatch)
        /// The calling task was cancelled.
        public static let cancelled = Code(base: .cancelled)
        /// The configuration cannot work (bad URL, non-positive limits); fix it and restart.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// The HTTP status of the last answer, if there was one.
    public var httpStatus: Int?
    /// The server's base URL without user information or query.
    public var serverURL: String
    /// The provider's own error message (`error.message` of its JSON), with any API key masked.
    public var providerMessage: String?
    /// What ragsync saw, e.g. curl's message or the validation failure.
    public var detail: String
    /// How many attempts were made, retries included.
    public var attempts: Int
    /// How to fix it, e.g. "Check OPENAI_API_KEY."
    public var advice: String?
    /// Where the error was raised.
    public var file: String
    /// Where the error was raised.
    public var line: Int

    /// Creates an error.
    /// - Parameters: see the properties of the same names.
    public init(
        code: Code,
        serverURL: String,
        httpStatus: Int? = nil,
        providerMessage: String? = nil,
        detail: String,
        attempts: Int = 1,
        advice: String? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.serverURL = serverURL
        self.httpStatus = httpStatus
        self.providerMessage = providerMessage
        self.detail = detail
        self.attempts = attempts
        self.advice = advice
        self.file = file
        self.line = line
    }

    /// Whether trying the same request again later may succeed.
    public var isRetryable: Bool {
        switch code.base {
        case .rateLimited, .serverError, .timeout, .connectionFailed, .malformedResponse, .dimensionMismatch:
            return true
        case .unauthorized, .badRequest, .notFound, .quotaExceeded, .httpError, .transportFailed, .cancelled,
            .invalidConfiguration:
            return false
        }
    }

    /// A sysexits-style exit status for a daemon that stops on this error (`EX_CONFIG`, `EX_NOPERM`, `EX_UNAVAILABLE`,
    /// `EX_TEMPFAIL`, `EX_PROTOCOL`).
    public var exitStatus: Int32 {
        switch code.base {
        case .invalidConfiguration, .badRequest, .notFound, .dimensionMismatch: return 78  // EX_CONFIG
        case .unauthorized, .quotaExceeded: return 77  // EX_NOPERM
        case .malformedResponse: return 76  // EX_PROTOCOL
        case .cancelled: return 75  // EX_TEMPFAIL
        case .rateLimited, .serverError, .httpError, .timeout, .connectionFailed, .transportFailed:
            return 69  // EX_UNAVAILABLE
        }
    }

    public var description: String {
        var text = "embedding server \(serverURL) \(verb)"
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        text += ": " + (providerMessage ?? detail)
        if !text.hasSuffix(".") { text += "." }
        if attempts > 1 { text += " Gave up after \(attempts) attempts." }
        if let advice { text += " " + advice }
        return text
    }

    /// A few words for STATUS, e.g. `HTTP 503 from http://127.0.0.1:8080/v1` or `timeout at https://api.openai.com/v1`.
    public var shortDescription: String {
        if let httpStatus { return "HTTP \(httpStatus) from \(serverURL)" }
        return "\(code) at \(serverURL)"
    }

    public var debugDescription: String {
        var text = "EmbeddingError(code: \(code), \(description)"
        if providerMessage != nil { text += " detail: \(detail);" }
        return text + " at \(file):\(line))"
    }

    private var verb: String {
        switch code.base {
        case .unauthorized, .badRequest, .notFound, .quotaExceeded, .httpError: return "rejected the request"
        case .rateLimited: return "kept rate-limiting the request"
        case .serverError: return "kept failing"
        case .timeout: return "did not answer in time"
        case .connectionFailed: return "could not be reached"
        case .transportFailed: return "could not be used"
        case .malformedResponse: return "sent an invalid response"
        case .dimensionMismatch: return "returned vectors of the wrong size"
        case .cancelled: return "request was cancelled"
        case .invalidConfiguration: return "is misconfigured"
        }
    }
}
