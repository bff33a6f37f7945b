// ragsync — CurlEasyHandle: the one owner of a libcurl easy handle.

internal import CCurlShim
import FoundationEssentials
import Glibc
import Synchronization
import ThreadExecutor

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

/// Lets a cancelled task abort a transfer at once, whatever it is doing.
///
/// A cancel before the transfer starts makes `post` return without sending. A cancel during it shuts the
/// connection's socket down, which wakes libcurl's `poll` at once (connecting, sending or waiting for an answer);
/// the progress callback, which libcurl calls about once a second, is the fallback.
final class CurlCancellation: Sendable {
    private struct State {
        var isCancelled = false
        var socket: CurlSocket?
    }

    private let state = Mutex(State())

    /// Aborts the transfer this cancellation is attached to, or the next one.
    func cancel() {
        let socket = state.withLock { state in
            state.isCancelled = true
            return state.socket
        }
        socket?.shutDown()
    }

    var wasCancelled: Bool { state.withLock { $0.isCancelled } }

    /// Ties the cancellation to the handle's connection for one transfer.
    /// - Returns: false when it was cancelled already: the transfer must not start.
    fileprivate func attach(_ socket: CurlSocket?) -> Bool {
        state.withLock { state in
            state.socket = socket
            return !state.isCancelled
        }
    }
}

/// The socket of a handle's connection, known through libcurl's open and close callbacks, so another thread can
/// shut it down. Closing happens under the same lock, so a descriptor number is never shut down after it was reused.
final class CurlSocket: Sendable {
    private let descriptor = Mutex<Int32>(-1)

    fileprivate func opened(_ socket: Int32) {
        descriptor.withLock { $0 = socket }
    }

    fileprivate func close(_ socket: Int32) {
        descriptor.withLock { current in
            if current == socket { current = -1 }
            _ = Glibc.close(socket)
        }
    }

    /// The corresponding C function is `shutdown(2)`; libcurl then sees the connection fail and closes it.
    func shutDown() {
        descriptor.withLock { current in
            if current >= 0 { _ = Glibc.shutdown(current, Int32(SHUT_RDWR)) }
        }
    }
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
/// An actor on a thread of its own: `curl_easy_perform` blocks, and never on the cooperative pool. The pointer never
/// leaves this actor; `deinit` calls `curl_easy_cleanup` exactly once.
actor CurlEasyHandle {
    /// Where the callbacks put what they receive; reached through the callbacks' userdata pointer.
    private final class Accumulator {
        var body: [UInt8] = []
        var headers: [String: String] = [:]
        var bodyLimit = 0
        var overflowed = false
        var cancellation: CurlCancellation?
        let socket = CurlSocket()
    }

    private let executor = DedicatedThreadExecutor(name: "ragsync-curl")
    private nonisolated(unsafe) let handle: UnsafeMutableRawPointer
    private nonisolated(unsafe) let errorBuffer: UnsafeMutablePointer<CChar>
    private let accumulator = Accumulator()

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

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
        try check(ragsync_curl_setopt_sockopt_callback(handle, Self.socketOpenedCallback))
        try check(ragsync_curl_setopt_pointer(handle, CURLOPT_SOCKOPTDATA, userdata))
        try check(ragsync_curl_setopt_closesocket_callback(handle, Self.closeSocketCallback))
        try check(ragsync_curl_setopt_pointer(handle, CURLOPT_CLOSESOCKETDATA, userdata))
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
        accumulator.bodyLimit = bodyLimit
        accumulator.overflowed = false
        accumulator.cancellation = cancellation
        errorBuffer[0] = 0
        guard cancellation.attach(accumulator.socket) else {
            accumulator.cancellation = nil
            return .failure(CurlFailure(code: CURLE_ABORTED_BY_CALLBACK, message: "cancelled before the request was sent"))
        }
        defer { _ = cancellation.attach(nil) }

        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers {
            guard let appended = curl_slist_append(list, header) else {
                curl_slist_free_all(list)
                return .failure(CurlFailure(code: CURLE_OUT_OF_MEMORY, message: "curl_slist_append failed"))
            }
            list = appended
        }
        let headerList = list
        defer {
            _ = ragsync_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)
            curl_slist_free_all(headerList)
            _ = ragsync_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, nil)
            accumulator.cancellation = nil
            // The response goes to the caller; kept here, the largest one (0.5 MB for a batch of base64 vectors)
            // stayed resident in an idle daemon until the next request.
            accumulator.body = []
            accumulator.headers = [:]
        }

        let code = Self.perform(
            handle, url: url, headerList: headerList, body: body, connectTimeout: connectTimeout, timeout: timeout)
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

    /// Sets the request's options and runs it; the corresponding C function is `curl_easy_perform`.
    private static func perform(
        _ handle: UnsafeMutableRawPointer, url: String, headerList: UnsafeMutablePointer<curl_slist>?, body: [UInt8],
        connectTimeout: Duration, timeout: Duration
    ) -> CURLcode {
        body.withUnsafeBufferPointer { bytes in
            let options: [CURLcode] = [
                ragsync_curl_setopt_string(handle, CURLOPT_URL, url),
                ragsync_curl_setopt_long(handle, CURLOPT_POST, 1),
                ragsync_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count)),
                ragsync_curl_setopt_pointer(
                    handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress)
                ),
                ragsync_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList),
                ragsync_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(connectTimeout)),
                ragsync_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds(timeout)),
            ]
            if let failed = options.first(where: { $0 != CURLE_OK }) { return failed }
            return curl_easy_perform(handle)
        }
    }

    private nonisolated func check(_ code: CURLcode) throws(CurlFailure) {
        if code != CURLE_OK { throw failure(code) }
    }

    private nonisolated func failure(_ code: CURLcode) -> CurlFailure {
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
            let name = CurlEasyHandle.trimmingBlanks(line[..<colon]).lowercased()
            let value = CurlEasyHandle.trimmingBlanks(line[line.index(after: colon)...])
            accumulator.headers[name] = value
        }
        return length
    }

    /// A header line's part without the spaces, tabs and line ending around it (HTTP's optional white space).
    private static func trimmingBlanks(_ text: Substring) -> String {
        let isBlank: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isBlank($0) }), let last = scalars.lastIndex(where: { !isBlank($0) })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }

    private static let progressCallback: ragsync_curl_xferinfo_callback = { userdata, _, _, _, _ in
        guard let userdata else { return 0 }
        let accumulator = Unmanaged<Accumulator>.fromOpaque(userdata).takeUnretainedValue()
        return accumulator.cancellation?.wasCancelled == true ? 1 : 0
    }

    private static let socketOpenedCallback: ragsync_curl_sockopt_callback = { userdata, socket, _ in
        guard let userdata else { return CURL_SOCKOPT_OK }
        let accumulator = Unmanaged<Accumulator>.fromOpaque(userdata).takeUnretainedValue()
        accumulator.socket.opened(socket)
        // A cancel between the start of the transfer and this socket's creation has nothing to shut down yet.
        return accumulator.cancellation?.wasCancelled == true ? CURL_SOCKOPT_ERROR : CURL_SOCKOPT_OK
    }

    private static let closeSocketCallback: ragsync_curl_closesocket_callback = { userdata, socket in
        guard let userdata else { return Glibc.close(socket) }
        Unmanaged<Accumulator>.fromOpaque(userdata).takeUnretainedValue().socket.close(socket)
        return 0
    }
}
