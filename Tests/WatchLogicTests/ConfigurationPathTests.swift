// ragsync — ConfigurationPathTests: the content directory made absolute, and the embedding server's URL checked,
// as Foundation's URL did it.

import Foundation
import RagsyncTestSupport
import Testing

@testable import RagsyncKit

@Suite struct ConfigurationPathTests {
    private let environment = ["DATABASE_URL": "postgresql://u@localhost/db"]

    @Test func aRelativeContentDirectoryIsTakenFromTheWorkingDirectoryAndNormalised() throws {
        var settings = environment
        settings["RAGSYNC_CONTENT_DIR"] = "./site/../content//"
        let configuration = try RagsyncConfiguration(environment: settings, workingDirectory: "/srv/app")
        #expect(configuration.contentDirectory == "/srv/app/content")
        #expect(try RagsyncConfiguration(environment: environment, workingDirectory: "/srv/app").contentDirectory
            == "/srv/app/content")
        settings["RAGSYNC_CONTENT_DIR"] = "/../../var//notes/."
        #expect(try RagsyncConfiguration(environment: settings, workingDirectory: "/srv").contentDirectory == "/var/notes")
        // As the kernel resolves it: an empty component is no folder for `..` to leave.
        settings["RAGSYNC_CONTENT_DIR"] = "notes//../content"
        #expect(try RagsyncConfiguration(environment: settings, workingDirectory: "/srv").contentDirectory == "/srv/content")
    }

    /// Paths of `.`, `..` and ordinary components, relative and absolute, against
    /// `URL(fileURLWithPath:relativeTo:).standardizedFileURL.path`, which the configuration used before. Empty
    /// components are left out: there URL follows RFC 3986 (`a//..` is `a`), the kernel does not (`a//..` is `.`).
    @Test(arguments: SeededGenerator.seeds(default: [51, 52]))
    func randomPathsAreNormalisedAsFoundationsURLNormalisesThem(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let pieces = [".", "..", "a", "b c", "é", "...", ".hidden", "x"]
        func path() -> String {
            (0..<Int.random(in: 1...6, using: &random)).map { _ in
                pieces[Int.random(in: 0..<pieces.count, using: &random)]
            }.joined(separator: "/")
        }
        for _ in 0..<3_000 {
            let working = "/" + path()
            var relative = path()
            if Bool.random(using: &random) { relative = "/" + relative }
            let base = URL(fileURLWithPath: (working as NSString).standardizingPath, isDirectory: true)
            let expected = URL(fileURLWithPath: relative, relativeTo: base).standardizedFileURL.path
            let actual = RagsyncConfiguration.absolutePath(relative, workingDirectory: (working as NSString).standardizingPath)
            #expect(actual == expected, "seed \(seed) (RAGSYNC_SIM_SEED=\(seed)): \(relative) in \(working)")
        }
    }

    @Test(arguments: [
        ("https://api.openai.com/v1", true), ("http://127.0.0.1:8080/v1", true), ("HTTPS://Example.com", true),
        ("http://user:secret@host/v1", true), ("http://[::1]:9000/v1", true), ("https://host?x=1", true),
        ("ftp://host/v1", false), ("api.openai.com/v1", false), ("https:///v1", false), ("http://:80/v1", false),
        ("https://host name/v1", false), ("https://host/v1\n", false), ("http://user@/v1", false), ("http://[]/", false),
        ("", false),
    ])
    func theEmbeddingServerURLMustBeHTTPWithAHost(url: String, accepted: Bool) {
        var settings = environment
        settings["OPENAI_BASE_URL"] = url
        let configuration = try? RagsyncConfiguration(environment: settings, workingDirectory: "/srv")
        #expect((configuration != nil) == accepted || url.isEmpty, "\(url.debugDescription)")
        #expect(RagsyncConfiguration.isHTTPURL(url) == accepted, "\(url.debugDescription)")
    }
}
