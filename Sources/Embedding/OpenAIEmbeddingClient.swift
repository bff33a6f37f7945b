// ragsync — OpenAIEmbeddingClient: embeddings from OpenAI or any compatible server, over libcurl.

internal import CCurlShim
import FoundationEssentials
public import Logging
import ThreadExecutor

/// Embeds texts through an OpenAI-compatible `POST /embeddings` endpoint.
///
/// Transfers run on a thread of the connection's own (``CurlEasyHandle`` is an actor on a `DedicatedThreadExecutor`), so the blocking
/// `curl_easy_perform` never occupies Swift's cooperative pool. Waits between retries are `Task.sleep`s, which
/// suspend and leave the thread free. One easy handle is reused for every request, keeping the connection alive.
///
/// Retries, with capped exponential backoff and full jitter: HTTP 429 (honouring `Retry-After`), 5xx, timeouts and
/// connection failures up to `maxRetries`; malformed answers and wrong vector sizes up to twice. HTTP 400, 401, 403
/// and 404 fail at once with the provider's message. Cancelling the calling task aborts the transfer and the waits.
public actor OpenAIEmbeddingClient: EmbeddingProvider {
    /// The model name sent with every request.
    public nonisolated let model: String
    /// The size of every returned vector.
    public nonisolated let dimensions: Int

    private let configuration: OpenAIEmbeddingConfiguration
    private let policy: RetryPolicy
    private let logger: Logger
    private var handle: CurlEasyHandle?
    private var encoding = EmbeddingsWireFormat.Encoding.base64

    /// Malformed answers and wrong sizes are retried at most this often (a proxy fault may pass; a wrong model won't).
    private static let maxMalformedRetries = 2
    /// The largest response body accepted (2048 × 3072 float JSON numbers stay well below it).
    private static let maxResponseBytes = 256 << 20

    /// Creates a client; it connects on the first request.
    /// - Parameters:
    ///   - configuration: the endpoint, credentials, limits and retry settings.
    ///   - logger: receives a warning per retry and an info message on the float fallback; never the API key.
    public init(configuration: OpenAIEmbeddingConfiguration, logger: Logger) {
        self.configuration = configuration
        self.model = configuration.model
        self.dimensions = configuration.dimensions
        self.policy = RetryPolicy(
            initialBackoff: configuration.initialBackoff,
            maxBackoff: configuration.maxBackoff,
            maxRetryAfter: configuration.maxRetryAfter
        )
        var logger = logger
        logger[metadataKey: "embedding.server"] = "\(configuration.displayURL)"
        self.logger = logger
    }

    /// Calls `curl_global_init` (once per process) and ignores `SIGPIPE` unless the program handles it.
    ///
    /// Call it at start-up before other threads exist; otherwise the first request does it.
    /// - Returns: false when libcurl could not be initialised (requests will then fail with `transportFailed`).
    @discardableResult
    public static func initializeCurlGlobally() -> Bool {
        CurlGlobal.initialize() == nil
    }

    public func embed(_ texts: [String]) async throws(EmbeddingError) -> EmbeddingResponse {
        guard !texts.isEmpty else { return EmbeddingResponse(vectors: [], promptTokens: 0, requestCount: 0) }
        if let problem = configuration.validationProblem {
            throw error(.invalidConfiguration, detail: problem, advice: "Fix the embedding settings.")
        }
        let batches = EmbeddingBatchPlanner.batches(
            tokenCounts: texts.map(configuration.tokenEstimate),
            maxInputs: configuration.maxInputsPerRequest,
            maxTokens: configuration.maxTokensPerRequest
        )
        var response = EmbeddingResponse(vectors: [], promptTokens: 0, requestCount: 0)
        response.vectors.reserveCapacity(texts.count)
        for range in batches {
            let (decoded, retries) = try await send(Array(texts[range]))
            response.vectors.append(contentsOf: decoded.vectors)
            response.promptTokens += decoded.promptTokens
            response.requestCount += 1
            response.retryCount += retries
        }
        return response
    }

    /// Sends one batch, retrying transient failures.
    private func send(_ inputs: [String]) async throws(EmbeddingError) -> (EmbeddingsWireFormat.Decoded, Int) {
        var attempts = 0
        var retries = 0
        var malformedRetries = 0
        while true {
            if Task.isCancelled { throw error(.cancelled, detail: "the task was cancelled", attempts: attempts) }
            attempts += 1
            let sentEncoding = encoding
            var failure: EmbeddingError
            var retryAfter: Duration?
            let started = ContinuousClock.now
            switch await attempt(inputs, encoding: sentEncoding) {
            case .success(let decoded):
                EmbeddingMetrics.request(outcome: "success", duration: ContinuousClock.now - started)
                EmbeddingMetrics.tokens(decoded.promptTokens)
                return (decoded, retries)
            case .failure(let attemptFailure):
                (failure, retryAfter) = (attemptFailure.error, attemptFailure.retryAfter)
                EmbeddingMetrics.request(outcome: "\(failure.code)", duration: ContinuousClock.now - started)
            }
            failure.attempts = attempts
            if sentEncoding == .base64, failure.code == .badRequest, Self.mentionsEncodingFormat(failure) {
                encoding = .float
                logger.info(
                    "embedding server refuses base64 vectors; using JSON numbers from now on",
                    metadata: ["embedding.reason": "\(failure.providerMessage ?? failure.detail)"]
                )
                continue
            }
            let isMalformed = failure.code == .malformedResponse || failure.code == .dimensionMismatch
            guard failure.isRetryable, retries < configuration.maxRetries,
                !isMalformed || malformedRetries < Self.maxMalformedRetries
            else { throw failure }
            retries += 1
            if isMalformed { malformedRetries += 1 }
            let delay = retryAfter ?? policy.backoff(retry: retries, unitRandom: Double.random(in: 0...1))
            logger.warning(
                "embedding request failed; retrying",
                metadata: [
                    "embedding.reason": "\(failure.description)",
                    "embedding.attempt": "\(attempts)",
                    "embedding.delay_ms": "\(Int(RetryPolicy.seconds(delay) * 1000))",
                    "embedding.inputs": "\(inputs.count)",
                ]
            )
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw self.error(.cancelled, detail: "cancelled while waiting to retry", attempts: attempts)
            }
        }
    }

    private struct AttemptFailure: Error {
        var error: EmbeddingError
        var retryAfter: Duration?
    }

    /// One HTTP exchange; runs `curl_easy_perform` on the actor's thread, aborted if the task is cancelled.
    private func attempt(_ inputs: [String], encoding: EmbeddingsWireFormat.Encoding) async
        -> Result<EmbeddingsWireFormat.Decoded, AttemptFailure>
    {
        let handle: CurlEasyHandle
        if let existing = self.handle {
            handle = existing
        } else {
            do throws(CurlFailure) {
                handle = try CurlEasyHandle()
            } catch {
                return .failure(AttemptFailure(error: self.error(.transportFailed, detail: error.message)))
            }
            self.handle = handle
        }
        var headers = ["Content-Type: application/json", "Accept: application/json", "Expect:"]
        if let apiKey = configuration.apiKey { headers.append("Authorization: Bearer \(apiKey)") }
        let body = EmbeddingsWireFormat.requestBody(
            inputs: inputs,
            model: configuration.model,
            dimensions: configuration.sendsDimensions ? configuration.dimensions : nil,
            encoding: encoding
        )
        let cancellation = CurlCancellation()
        let configuration = self.configuration
        // The transfer runs on the handle's own thread, reached by an actor hop: the operation of
        // withTaskCancellationHandler does not keep an actor's custom executor (measured: it ran on the cooperative
        // pool), so a blocking call made in it directly would hold a pool thread, and the task that cancels it.
        let result = await withTaskCancellationHandler {
            await handle.post(
                url: configuration.endpointURL,
                headers: headers,
                body: body,
                connectTimeout: configuration.connectTimeout,
                timeout: configuration.requestTimeout,
                bodyLimit: Self.maxResponseBytes,
                cancellation: cancellation
            )
        } onCancel: {
            cancellation.cancel()
        }
        switch result {
        case .failure(let failure):
            return .failure(AttemptFailure(error: transportError(failure, cancelled: cancellation.wasCancelled)))
        case .success(let response) where (200..<300).contains(response.status):
            do {
                return .success(
                    try EmbeddingsWireFormat.decode(
                        response.body,
                        inputCount: inputs.count,
                        dimensions: configuration.dimensions
                    )
                )
            } catch {
                let message = configuration.redactingSecrets(error.message)
                return .failure(
                    AttemptFailure(
                        error: error.isDimensionMismatch
                            ? self.error(
                                .dimensionMismatch,
                                status: response.status,
                                detail: message,
                                advice: "Set dimensions to the model's size, or check that the server honours the "
                                    + "dimensions parameter."
                            )
                            : self.error(.malformedResponse, status: response.status, detail: message)
                    )
                )
            }
        case .success(let response):
            return .failure(httpError(response))
        }
    }

    private func httpError(_ response: HTTPResponse) -> AttemptFailure {
        let (rawMessage, providerCode) = EmbeddingsWireFormat.providerError(in: response.body)
        let message = rawMessage.map(configuration.redactingSecrets)
        let status = response.status
        let code: EmbeddingError.Code
        var advice: String?
        var retryAfter: Duration?
        switch status {
        case 401, 403:
            code = .unauthorized
            advice = "Check \(configuration.apiKeySource)."
        case 400, 413, 422:
            code = .badRequest
            advice =
                message?.lowercased().contains("dimensions") == true
                ? "Check the dimensions setting; for a model without the dimensions parameter, disable sending it."
                : "Check the model name and the embedding settings."
        case 404:
            code = .notFound
            advice = "Check the base URL (usually ending in /v1) and the model name."
        case 408:
            code = .timeout
        case 429 where providerCode == "insufficient_quota":
            code = .quotaExceeded
            advice = "Check the account's plan and billing."
        case 429:
            code = .rateLimited
            advice = "Lower the indexing rate or raise the account's rate limits."
            retryAfter = policy.retryAfter(headers: response.headers, now: Date())
        case 500...599:
            code = .serverError
            advice = "The server is failing; ragsync retries later."
            if status == 503 { retryAfter = policy.retryAfter(headers: response.headers, now: Date()) }
        default:
            code = .httpError
        }
        let detail = message ?? "HTTP status \(status) without a body"
        return AttemptFailure(
            error: error(code, status: status, providerMessage: message, detail: detail, advice: advice),
            retryAfter: retryAfter
        )
    }

    private func transportError(_ failure: CurlFailure, cancelled: Bool) -> EmbeddingError {
        let detail = configuration.redactingSecrets("\(failure.message) (curl error \(failure.code.rawValue))")
        if cancelled || failure.code == CURLE_ABORTED_BY_CALLBACK {
            return error(.cancelled, detail: "the task was cancelled during the transfer")
        }
        switch failure.code {
        case CURLE_OPERATION_TIMEDOUT:
            return error(
                .timeout,
                detail: detail,
                advice: "Check the server's load, or raise the request timeout (now \(configuration.requestTimeout))."
            )
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_RECV_ERROR,
            CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_SSL_CONNECT_ERROR, CURLE_HTTP2,
            CURLE_HTTP2_STREAM, CURLE_HTTP3, CURLE_QUIC_CONNECT_ERROR:
            return error(
                .connectionFailed,
                detail: detail,
                advice: "Check the base URL, the network and that the server is running."
            )
        case CURLE_WRITE_ERROR:
            return error(.malformedResponse, detail: detail)
        default:
            return error(.transportFailed, detail: detail, advice: "Check the base URL and the TLS set-up.")
        }
    }

    private func error(
        _ code: EmbeddingError.Code,
        status: Int? = nil,
        providerMessage: String? = nil,
        detail: String,
        attempts: Int = 1,
        advice: String? = nil,
        line: Int = #line
    ) -> EmbeddingError {
        EmbeddingError(
            code: code,
            serverURL: configuration.displayURL,
            httpStatus: status,
            providerMessage: providerMessage,
            detail: detail,
            attempts: attempts,
            advice: advice,
            line: line
        )
    }

    private static func mentionsEncodingFormat(_ error: EmbeddingError) -> Bool {
        let text = (error.providerMessage ?? error.detail).lowercased()
        return text.contains("encoding_format") || text.contains("encoding format")
    }
}
