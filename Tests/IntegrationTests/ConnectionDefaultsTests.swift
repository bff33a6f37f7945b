// ragsync — the defaults ragsync gives libpq, and a URL that overrides them.

@testable import Postgres
import RagsyncTestSupport
import Testing

@Suite("Connection defaults on the real PostgreSQL")
struct ConnectionDefaultsTests {
    @Test func gssapiEncryptionIsNotTriedUnlessTheURLAsksForIt() async throws {
        try await TestDatabase.withFreshDatabase { url in
            #expect(try PostgresConnection(url: url).option("gssencmode") == "disable")
            let separator = url.contains("?") ? "&" : "?"
            let asking = try PostgresConnection(url: url + separator + "gssencmode=prefer")
            #expect(asking.option("gssencmode") == "prefer")
            #expect(asking.option("no such keyword") == nil)
        }
    }

    @Test func theURLsOwnTimeoutWinsOverTheDefault() async throws {
        try await TestDatabase.withFreshDatabase { url in
            #expect(try PostgresConnection(url: url, connectTimeoutSeconds: 7).option("connect_timeout") == "7")
            let separator = url.contains("?") ? "&" : "?"
            let own = try PostgresConnection(url: url + separator + "connect_timeout=3", connectTimeoutSeconds: 7)
            #expect(own.option("connect_timeout") == "3")
        }
    }
}
