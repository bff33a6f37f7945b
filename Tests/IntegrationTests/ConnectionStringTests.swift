// ragsync — ConnectionString: database URLs shown without their passwords.

import Postgres
import Testing

@Suite("Connection strings in messages")
struct ConnectionStringTests {
    @Test func aURLsPasswordIsMaskedAndTheRestKept() {
        #expect(
            ConnectionString.redacted("postgresql://user:secret@host:5432/db?sslmode=require")
                == "postgresql://user:***@host:5432/db?sslmode=require")
        #expect(ConnectionString.redacted("postgres://user@host/db") == "postgres://user@host/db")
        #expect(ConnectionString.redacted("postgresql://u:p%40ss@[::1]:5432/db") == "postgresql://u:***@[::1]:5432/db")
    }

    @Test func passwordParametersAndKeywordsAreMasked() {
        #expect(
            ConnectionString.redacted("postgresql://host/db?user=u&password=secret&sslmode=disable")
                == "postgresql://host/db?user=u&password=***&sslmode=disable")
        #expect(ConnectionString.redacted("host=h password=secret dbname=d") == "host=h password=*** dbname=d")
        #expect(ConnectionString.redacted("password=a password=b") == "password=*** password=***")
        #expect(ConnectionString.redacted("host=h port=5432") == "host=h port=5432")
        #expect(ConnectionString.redacted("") == "")
    }
}
