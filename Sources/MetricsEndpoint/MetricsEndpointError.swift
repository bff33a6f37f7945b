// ragsync — MetricsEndpointError: the metrics listener could not be set up, with the system's reason.

import FoundationEssentials
import Glibc

/// Binding or listening failed: the address, the call and the system's message, and what to do.
public struct MetricsEndpointError: Error, CustomStringConvertible {
    public let address: ListenAddress
    public let code: Int32
    public let call: String

    init(address: ListenAddress, errno code: Int32, call: String) {
        self.address = address
        self.code = code
        self.call = call
    }

    public var description: String {
        let reason = String(cString: strerror(code))
        let advice =
            code == EADDRINUSE
            ? "another process listens there; pick a free port"
            : code == EADDRNOTAVAIL ? "this machine has no such address; use 127.0.0.1 or one of its own" : "check the address"
        return "\(call) on \(address) failed: \(reason); \(advice)"
    }
}
