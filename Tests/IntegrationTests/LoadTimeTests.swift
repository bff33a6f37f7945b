// ragsync — what the built binary does before main: which libraries initialise themselves as they load.

import Foundation
import RagsyncTestSupport
import Testing

@Suite("The ragsync binary as the dynamic loader sees it")
struct LoadTimeTests {
    /// GnuTLS (loaded for libcurl's librtmp and libpq's libldap, never used) asks `_gnutls_global_init_skip` whether
    /// to initialise itself at load. The loader's own account of its bindings (`LD_DEBUG=bindings`) must send that
    /// question to ragsync's answer, not to GnuTLS's default.
    @Test func gnuTLSAsksRagsyncWhetherToInitialiseAtLoad() throws {
        let process = Process()
        process.executableURL = DaemonProcess.executable
        process.arguments = ["--help"]
        process.environment = ["LD_DEBUG": "bindings", "PATH": "/usr/bin:/bin"]
        let output = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let loadsGnuTLS = text.contains("libgnutls.so")
        let bindings = text.split(separator: "\n").filter { $0.contains("`_gnutls_global_init_skip'") }
        #expect(!loadsGnuTLS || !bindings.isEmpty, "GnuTLS is loaded but never looked up _gnutls_global_init_skip")
        for binding in bindings {
            #expect(binding.contains("to \(DaemonProcess.executable.path) "), "\(binding)")
        }
    }
}
