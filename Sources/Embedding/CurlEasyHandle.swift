// ragsync — CurlEasyHandle: the one owner of a libcurl easy handle.

internal import CCurlShim
import Foundation
import Glibc
import Synchronization

/// One HTTP answer, any status.
struct HTTPResponse {
    /// The status code, e.g. 200.
    var status: Int
    /// Header fields of the final answer, names lowercased.
    var headers: [String: String]
    /// The body bytes.
    var body: [UInt8]
}

/// A libcurl failure: the code and curl's own message (from CURLOPT_ERRORBUFFER or `curl_easy_strerror`).
struct CurlFailure: Error {
    var code: CURLcode
    var message: String
}

/// Lets a cancelled task abort a transfer in progress: the progress callback polls the flag.
final class CurlCancellation: Sendable {
    private let isCancelled = Atomic<Bool>(false)

    func cancel() { isCancelled.store(true, ordering: .relaxed) }
    var wasCancelled: Bool { isCancelled.load(ordering: .relaxed) }
}

/// Process-wide libcurl set-up.
enum CurlGlobal {
    /// `curl_global_init` runs exactly once, at the first access (Swift's lazy globals are thread-safe).
    private static let initialization: CURLcode = {
        // libcurl with NOSIGNAL may write to a socket the peer closed; such a SIGPIPE must not kill the daemon.
        // Leave a handler the program installed itself alone.
        var current = sigaction()
        if sigaction(SIGPIPE, nil, &current) == 0, current.__sigaction_handler.sa_handler == nil {
            signal(SIGPIPE, SIG_IGN)
        }
        return curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    /// Initialises libcurl once; the corresponding C function is `curl_global_init`.
    /// - Returns: nil, or curl's message when initialisation failed.
    static func initialize() -> String? {
        let code = initialization
        return code == CURLE_OK ? nil : String(cString: curl_easy_strerror(code))
    }
}

/// Owns one `CURL *` and performs POST requests with it, reusing the connection between requests.
///
/// Not thread-safe and not `Sendable`: exactly one owner (the client actor) uses it, on that actor's dedicated
/// thread. The pointer never leaves this class; `deinit` calls `curl_easy_cleanup` exactly once.
final class CurlEasyHandle {
    /// Where the callbacks put what they receive; reached through the callbacks' userdata pointer.
    private final class Accumulator {
        var body: [UInt8] = []
        var headers: [String: String] = [:]
        var bodyLimit = 0
        var overflowed = false
        var cancellation: CurlCancellation?
    }

    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let accumulator = Accumulator()

    /// Creates the handle with the settings shared by all requests.
    /// - Throws: `CurlFailure` when libcurl cannot be initialised or an option is refused.
    init() throws(CurlFailure) {
        if let message = CurlGlobal.initialize() {
            throw CurlFailure(code: CURLE_FAILED_INIT, message: "curl_global_init failed: \(message)")
        }
        guard let handle = curl_easy_init() else {
            throw CurlFailure(code: CURLE_FAILED_INIT, message: "curl_easy_init failed")
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let userdata = Unmanaged.passUnretained(accumulator).toOpaque()
        try check(ragsync_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        try check(ragsync_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        try check(ragsync_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1))
        try check(ragsync_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0))  // never resend the key elsewhere
        try check(ragsync_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        try check(ragsync_curl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, ""))  // every encoding curl has
        try check(ragsync_curl_setopt_string(handle, CURLOPT_USERAGENT, "ragsync"))
        try check(ragsync_curl_setopt_write_callback(handle, Self.writeCallback))
        try check(ragsync_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, userdata))
        try check(ragsync_curl_setopt_header_callback(handle, Self.headerCallback))
        try check(ragsync_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, userdata))
        try check(ragsync_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0))
        try check(ragsync_curl_setopt_xferinfo_callback(handle, Self.progressCallback))
        try check(ragsync_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, userdata))
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// POSTs `body` to `url` and waits for the whole answer; blocks the calling thread.
    ///
    /// The corresponding C function is `curl_easy_perform`.
    /// - Parameters:
    ///   - url: the full URL.
    ///   - headers: header lines such as `Content-Type: application/json`.
    ///   - body: the request body.
    ///   - connectTimeout: CURLOPT_CONNECTTIMEOUT_MS.
    ///   - timeout: CURLOPT_TIMEOUT_MS, for the whole transfer.
    ///   - bodyLimit: the largest body accepted; a larger one fails with CURLE_WRITE_ERROR.
    ///   - cancellation: aborts the transfer (CURLE_ABORTED_BY_CALLBACK) within about a second once cancelled.
    /// - Returns: the answer, whatever its status, or curl's failure.
    func post(
        url: String,
        headers: [String],
        body: [UInt8],
        connectTimeout: Duration,
        timeout: Duration,
        bodyLimit: Int,
        cancellation: CurlCancellation
    ) -> Result<HTTPResponse, CurlFailure> {
        accumulator.body.removeAll(keepingCapacity: false)
        accumulator.headers.removeAll()
        accumulator.bodyLimit = bodyLimit
        accumulator.overflowed = false
        accumulator.cancellation = cancellation
        errorBuffer[0] = 0

        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers {
            guard let appended = curl_slist_append(list, header) else {
                curl_slist_free_all(list)
                return .failure(CurlFailure(code: CURLE_OUT_OF_MEMORY, message: "curl_slist_append failed"))
            }
            list = appended
        }
        defer {
            _ = ragsync_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)
            curl_slist_free_all(list)
            _ = ragsync_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, nil)
            accumulator.cancellation = nil
        }

        let code: CURLcode = body.withUnsafeBufferPointer { bytes in
            let options: [CURLcode] = [
                ragsync_curl_setopt_string(handle, CURLOPT_URL, url),
                ragsync_curl_setopt_long(handle, CURLOPT_POST, 1),
                ragsync_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count)),
                ragsync_curl_setopt_pointer(
                    handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress)
                ),
                ragsync_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list),
                ragsync_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(connectTimeout)),
                ragsync_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(timeout)),
            ]
            if let failed = options.first(where: { $0 != CURLE_OK }) { return failed }
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            if accumulator.overflowed {
                return .failure(CurlFailure(code: code, message: "the response is larger than \(bodyLimit) bytes"))
            }
            return .failure(failure(code))
        }
        var status = 0
        let infoCode = ragsync_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        guard infoCode == CURLE_OK else { return .failure(failure(infoCode)) }
        return .success(HTTPResponse(status: status, headers: accumulator.headers, body: accumulator.body))
    }

    private func check(_ code: CURLcode) throws(CurlFailure) {
        if code != CURLE_OK { throw failure(code) }
    }

    private func failure(_ code: CURLcode) -> CurlFailure {
        var message = String(cString: errorBuffer)
        if message.isEmpty { message = String(cString: curl_easy_strerror(code)) }
        while message.last?.isNewline == true { message.removeLast() }
        return CurlFailure(code: code, message: message)
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    private static let writeCallback: ragsync_curl_data_callback = { data, size, count, userdata in
        guard let data, let userdata else { return 0 }
        let accumulator = Unmanaged<Accumulator>.fromOpaque(userdata).takeUnretainedValue()
        let length = size * count
        if accumulator.body.count + length > accumulator.bodyLimit {
            accumulator.overflowed = true
            return 0  // CURLE_WRITE_ERROR
        }
        data.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
            accumulator.body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: length))
        }
        return length
    }

    private static let headerCallback: ragsync_curl_data_callback = { data, size, count, userdata in
        guard let data, let userdata else { return 0 }
        let accumulator = Unmanaged<Accumulator>.fromOpaque(userdata).takeUnretainedValue()
        let length = size * count
        let line = data.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
            String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self)
        }
        if line.hasPrefix("HTTP/") {
            accumulator.headers.removeAll()  // a new answer (after 100 Continue or a redirect)
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            accumulator.headers[name] = value
        }
        return length
    }

    private static let progressCallback: ragsync_curl_xferinfo_callback = { userdata, _, _, _, _ in
        guard let userdata else { return 0 }
        let accumulator = Unmanaged<Accumulator>.fromOpaque(userdata).takeUnretainedValue()
        return accumulator.cancellation?.wasCancelled == true ? 1 : 0
    }
}
