// ragsync — values reach PostgreSQL only as parameters, and vectors bound from Swift find rows.

import Foundation
import IndexStore
import Logging
import Postgres
import RagsyncTestSupport
import Testing

@Suite("Parameter binding on the real PostgreSQL")
struct ParameterBindingTests {
    @Test(arguments: [
        "it's a \"quoted\" value; DROP TABLE document_chunks; --",
        "back\\slash and $1 and %s",
        "Zoë, 東京, Ελληνικά, emoji 👩‍💻, RTL عربي",
        "{\"looks\": [\"like\", \"an array\"]}",
        "",
    ])
    func textRoundTripsUnchanged(value: String) async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            let back = try await client.query("SELECT $1::text", [value]).scalar
            #expect(back == value)
            let array = try await client.query("SELECT ($1::text[])[1]", [PostgresArray([value])]).scalar
            #expect(array == value)
        }
    }

    @Test func nullBindsAsSQLNull() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            let none: String? = nil
            let isNull = try await client.query("SELECT $1::text IS NULL", [none]).scalar
            #expect(isNull == "t")
        }
    }

    @Test func aVectorBoundFromSwiftRoundTrips() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            try await client.query("CREATE EXTENSION IF NOT EXISTS vector")
            let vector = PostgresVector([0.25, -1.5, 3.0e-7, 42])
            let text = try #require(try await client.query("SELECT $1::vector", [vector]).scalar)
            #expect(PostgresVector(postgresText: text) == vector)
        }
    }

    @Test func vectorsBoundInBinaryReadBackBitForBit() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            try await client.query("CREATE EXTENSION IF NOT EXISTS vector")
            let oid = try #require(try await client.query("SELECT to_regtype('vector')::oid").scalar.flatMap { UInt32($0) })
            let vectors: [[Float]] = [[0.25, -1.5, 3.0e-7, 42], [.leastNonzeroMagnitude, -0.0, 1e30, 0.1], [1, 2, 3, 4]]
            let rows = try await client.query(
                "SELECT v::text FROM unnest($1::vector[]) WITH ORDINALITY AS t(v, n) ORDER BY n",
                [PostgresVectorArray(vectors, vectorTypeOID: oid)])
            let back = rows.rows.map { PostgresVector(postgresText: $0[0]!)?.components }
            #expect(back == vectors.map { Optional($0) })
        }
    }

    @Test func aCosineQueryWithAVectorFromSwiftReturnsTheNearestRowsInOrder() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(url: url)
            _ = try await SchemaMigrator(dimensions: 3).migrate(on: client, logger: Logger(label: "test"))
            let rows: [(String, [Float])] = [
                ("east", [1, 0, 0]), ("north-east", [1, 1, 0]), ("north", [0, 1, 0]), ("west", [-1, 0, 0]),
                ("up", [0, 0, 1]),
            ]
            for (position, (name, vector)) in rows.enumerated() {
                let chunkId = try #require(
                    try await client.query(
                        """
                        INSERT INTO document_chunks (content, source_file, chunk_index) VALUES ($1, 'compass.md', $2)
                        RETURNING chunk_id
                        """, [name, position]
                    ).scalar)
                try await client.query(
                    "INSERT INTO chunk_embeddings (chunk_id, embedding, embedding_model) VALUES ($1::uuid, $2::vector, 'm')",
                    [chunkId, PostgresVector(vector)])
            }
            let nearest = try await client.query(
                """
                SELECT c.content, e.embedding <=> $1::vector AS distance
                FROM chunk_embeddings e JOIN document_chunks c USING (chunk_id)
                WHERE e.embedding_model = $2
                ORDER BY e.embedding <=> $1::vector
                LIMIT $3
                """, [PostgresVector([0.9, 0.2, 0]), "m", 3])
            #expect(nearest.rows.map { $0[0]! } == ["east", "north-east", "north"])
        }
    }
}
