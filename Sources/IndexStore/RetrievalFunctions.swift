// ragsync — RetrievalFunctions: the web host's contract as SQL functions, and the full-text column they search.

public import Postgres

/// The SQL functions a web host calls (through Supabase's `rpc()`, psycopg or psql), created by `ragsync migrate`:
///
/// - `match_document_chunks(query_embedding, match_count, filter, one_per_document)`: nearest chunks by cosine
///   distance;
/// - `hybrid_search_document_chunks(query_text, query_embedding, match_count, filter, full_text_weight,
///   semantic_weight, rrf_k, one_per_document)`: reciprocal rank fusion of that ranking with PostgreSQL full text.
///
/// Both search the vectors of one model: `filter`'s `embedding_model`, or else the active model
/// (``ModelCatalog``), through that model's vector index with the probes or ef_search ragsync measured for it. They
/// filter on `filter` keys `embedding_model`, `category`, `tags` (a JSON array; every tag must be present),
/// `source_file` and `source`.
/// The full text lives in `ragsync_chunk_search.search_vector` (title weighted A, headings B, body D), written by ragsync in
/// the same transaction as its chunk, so the origin tables keep their shape.
public enum RetrievalFunctions {
    /// The text search configuration used when none was set (`RAGSYNC_TEXT_SEARCH_CONFIG`).
    public static let defaultTextSearchConfiguration = "english"

    /// What both contract functions are declared with: plpgsql, a fresh plan per call (a cached generic plan, blind
    /// to LIMIT, scanned all 26,000 vectors: 105 ms, not 17), probes set inside kept to the call by the SET clause,
    /// and column names winning over the output parameters of the same names.
    private static let functionOptions = """
        LANGUAGE plpgsql VOLATILE
        SET plan_cache_mode = force_custom_plan
        AS $$
        #variable_conflict use_column
        """

    /// The migration: the settings table, the search vector column with its GIN index, the helper functions and
    /// the two contract functions. `idType` is the chunk id's SQL type read from the catalog, never input.
    /// Idempotent; a database gets changed definitions only through a new ``SchemaMigrator`` step that calls it.
    static func create(on connection: PostgresConnection, idType: String) throws {
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS ragsync_settings (
                key text PRIMARY KEY,
                value text NOT NULL
            );
            -- Each chunk's full text, in a table of its own and kept in the row (STORAGE MAIN): the ranking reads
            -- every matching vector, and out of line (TOAST) that cost 15-25 ms of a search at 25,436 chunks; in
            -- ragsync_chunks it would widen the rows every drift check reads.
            CREATE TABLE IF NOT EXISTS ragsync_chunk_search (
                chunk_id \(idType) PRIMARY KEY REFERENCES document_chunks (chunk_id) ON DELETE CASCADE,
                search_vector tsvector NOT NULL
            );
            ALTER TABLE ragsync_chunk_search ALTER COLUMN search_vector SET STORAGE MAIN;
            -- Read by the `source` filter and the ranking; created here because earlier schema steps create these
            -- functions too.
            ALTER TABLE ragsync_documents ADD COLUMN IF NOT EXISTS source text;
            ALTER TABLE ragsync_chunks ADD COLUMN IF NOT EXISTS source text NOT NULL DEFAULT '';
            CREATE INDEX IF NOT EXISTS ix_ragsync_chunk_search_vector ON ragsync_chunk_search USING gin (search_vector);

            CREATE OR REPLACE FUNCTION ragsync_text_search_config() RETURNS regconfig
            LANGUAGE sql STABLE AS $$
                SELECT coalesce(
                    (SELECT value FROM ragsync_settings WHERE key = 'text_search_config'), 'english')::regconfig
            $$;

            CREATE OR REPLACE FUNCTION ragsync_search_vector(title text, heading_path text, body text)
            RETURNS tsvector LANGUAGE sql STABLE AS $$
                SELECT setweight(to_tsvector(ragsync_text_search_config(), coalesce(title, '')), 'A')
                    || setweight(to_tsvector(ragsync_text_search_config(), coalesce(heading_path, '')), 'B')
                    || setweight(to_tsvector(ragsync_text_search_config(), coalesce(body, '')), 'D')
            $$;

            -- Words in 200 chunks or more with their chunk counts; `stop` for those in more than a tenth of the chunks
            -- (DocumentStore.refreshFrequentLexemes). Rows from before the column existed were all stop words.
            CREATE TABLE IF NOT EXISTS ragsync_frequent_lexemes (
                lexeme text PRIMARY KEY,
                chunks integer NOT NULL
            );
            ALTER TABLE ragsync_frequent_lexemes ADD COLUMN IF NOT EXISTS stop boolean NOT NULL DEFAULT true;

            -- Any of the question's words, not all of them (questions are sentences, not keyword lists), without the
            -- corpus's stop words, rarest first while the words together match at most about 2,000 chunks (the
            -- rarest always): ranking every chunk that five common words match took 124 ms at 25,909 chunks, and
            -- common words say least about which chunk is meant. NULL when no word is left.
            CREATE OR REPLACE FUNCTION ragsync_search_query(query_text text) RETURNS tsquery
            LANGUAGE sql STABLE AS $$
                SELECT string_agg(quote_literal(k.lexeme), ' | ' ORDER BY k.place)::tsquery
                FROM (
                    SELECT q.lexeme, row_number() OVER rarest AS place, sum(coalesce(f.chunks, 0)) OVER rarest AS matches
                    FROM (SELECT DISTINCT unnest(tsvector_to_array(to_tsvector(ragsync_text_search_config(), query_text))) AS lexeme) AS q
                    LEFT JOIN ragsync_frequent_lexemes f ON f.lexeme = q.lexeme
                    WHERE f.stop IS NOT TRUE
                    WINDOW rarest AS (ORDER BY coalesce(f.chunks, 0), q.lexeme)
                ) AS k
                WHERE k.place = 1 OR k.matches <= 2000
            $$;

            CREATE OR REPLACE FUNCTION ragsync_chunk_matches(c document_chunks, e_model text, filter jsonb)
            RETURNS boolean LANGUAGE sql STABLE AS $$
                SELECT (filter->>'embedding_model' IS NULL OR e_model IS NULL OR e_model = filter->>'embedding_model')
                   AND (filter->>'category' IS NULL OR c.category = filter->>'category')
                   AND (filter->>'source_file' IS NULL OR c.source_file = filter->>'source_file')
                   AND (filter->>'source' IS NULL OR EXISTS (
                       SELECT 1 FROM ragsync_chunks r WHERE r.chunk_id = c.chunk_id AND r.source = filter->>'source'))
                   AND (filter->'tags' IS NULL OR coalesce(c.metadata_json->'tags', '[]'::jsonb) @> (filter->'tags'))
            $$;

            -- The models and the vector index record per model (schema 12); created here too because earlier schema
            -- steps create these functions.
            CREATE TABLE IF NOT EXISTS ragsync_models (
                embedding_model text PRIMARY KEY,
                dimensions integer NOT NULL,
                registered_at timestamptz NOT NULL DEFAULT now()
            );
            ALTER TABLE ragsync_vector_index ADD COLUMN IF NOT EXISTS embedding_model text;

            -- The model searched when a filter names none (`ragsync activate`).
            CREATE OR REPLACE FUNCTION ragsync_active_model() RETURNS text
            LANGUAGE sql STABLE AS $$
                SELECT value FROM ragsync_settings WHERE key = 'active_model'
            $$;

            DROP FUNCTION IF EXISTS ragsync_use_measured_search_settings();
            CREATE OR REPLACE FUNCTION ragsync_use_measured_search_settings(model text) RETURNS void
            LANGUAGE sql VOLATILE AS $$
                SELECT set_config('ivfflat.probes', coalesce((SELECT probes FROM ragsync_vector_index
                                  WHERE embedding_model = model), 1)::text, true),
                       set_config('hnsw.ef_search', coalesce((SELECT ef_search FROM ragsync_vector_index
                                  WHERE embedding_model = model), 40)::text, true),
                       set_config('ivfflat.iterative_scan', 'relaxed_order', true),
                       set_config('hnsw.iterative_scan', 'relaxed_order', true);
            $$;
            """)
        try connection.execute(
            """
            -- The max_rows vectors of `model` nearest to the query that pass the filter. The query is built for the
            -- model, its dimension and its name written in, so that the planner can use the model's partial index
            -- on (embedding::vector(N)) WHERE embedding_model = '...' (VectorIndexMaintainer); vectors of other
            -- models, of other dimensions, are never compared.
            CREATE OR REPLACE FUNCTION ragsync_nearest_chunks(
                query_embedding vector, model text, max_rows integer, filter jsonb)
            RETURNS TABLE (chunk_id \(idType), embedding_model text, distance double precision)
            -- A few rows, so callers join their chunks by key instead of scanning every chunk (the default guess is
            -- 1,000 rows).
            LANGUAGE plpgsql STABLE ROWS 50 AS $$
            #variable_conflict use_column
            DECLARE
                dims integer := vector_dims(query_embedding);
                recorded integer;
            BEGIN
                IF query_embedding IS NULL OR max_rows <= 0 THEN
                    RETURN;
                END IF;
                IF model IS NULL THEN
                    -- No model recorded yet: the table is empty, or written by an older ragsync with one dimension.
                    RETURN QUERY
                    SELECT e.chunk_id, e.embedding_model::text, e.embedding <=> query_embedding
                    FROM chunk_embeddings e
                    WHERE filter = '{}'::jsonb OR EXISTS (
                        SELECT 1 FROM document_chunks c
                        WHERE c.chunk_id = e.chunk_id AND ragsync_chunk_matches(c, e.embedding_model, filter))
                    ORDER BY e.embedding <=> query_embedding
                    LIMIT max_rows;
                    RETURN;
                END IF;
                SELECT m.dimensions INTO recorded FROM ragsync_models m WHERE m.embedding_model = model;
                IF recorded IS NOT NULL AND recorded <> dims THEN
                    RAISE EXCEPTION 'query_embedding has % dimensions, but the embedding model % has %', dims, model, recorded
                        USING HINT = 'Embed the question with ' || model || ' (the active model: ragsync_active_model()), '
                                     || 'or name the question''s model in the filter: {"embedding_model": "..."}';
                END IF;
                RETURN QUERY EXECUTE format(
                    'SELECT e.chunk_id, e.embedding_model::text, (e.embedding::vector(%1$s) <=> $1)::double precision
                     FROM chunk_embeddings e
                     WHERE e.embedding_model = %2$L
                       AND ($3 = ''{}''::jsonb OR EXISTS (
                           SELECT 1 FROM document_chunks c
                           WHERE c.chunk_id = e.chunk_id AND ragsync_chunk_matches(c, e.embedding_model, $3)))
                     ORDER BY e.embedding::vector(%1$s) <=> $1
                     LIMIT $2', dims, model)
                USING query_embedding, max_rows, filter;
            END
            $$;
            """)
        try connection.execute(
            """
            DROP FUNCTION IF EXISTS match_document_chunks(vector, integer, jsonb, boolean);
            CREATE FUNCTION match_document_chunks(
                query_embedding vector, match_count integer DEFAULT 10, filter jsonb DEFAULT '{}',
                one_per_document boolean DEFAULT false)
            RETURNS TABLE (chunk_id \(idType), source_file text, document_title text, heading_path text,
                           category text, content text, similarity double precision, source text)
            \(functionOptions)
            DECLARE
                model text := coalesce(filter->>'embedding_model', ragsync_active_model());
            BEGIN
                PERFORM ragsync_use_measured_search_settings(model);
                RETURN QUERY
                WITH nearest AS MATERIALIZED (
                    SELECT c.chunk_id, c.source_file, c.document_title, c.metadata_json->>'heading_path' AS heading_path,
                           c.category, c.content, n.distance
                    FROM ragsync_nearest_chunks(
                        query_embedding, model,
                        CASE WHEN one_per_document THEN greatest(match_count, 10) * 10 ELSE match_count END, filter) n
                    JOIN document_chunks c ON c.chunk_id = n.chunk_id
                ), owned AS (
                    -- A document is a path within a source (a source name holds no control character).
                    SELECT n.*, coalesce(r.source, '') AS source
                    FROM nearest n LEFT JOIN ragsync_chunks r ON r.chunk_id = n.chunk_id
                ), best AS (
                    SELECT DISTINCT ON (CASE WHEN one_per_document THEN n.source || E'\\n' || n.source_file ELSE n.chunk_id::text END) n.*
                    FROM owned n
                    ORDER BY CASE WHEN one_per_document THEN n.source || E'\\n' || n.source_file ELSE n.chunk_id::text END, n.distance
                )
                SELECT b.chunk_id, b.source_file, b.document_title, b.heading_path, b.category, b.content,
                       1 - b.distance, b.source
                FROM best b ORDER BY b.distance LIMIT match_count;
            END
            $$;

            DROP FUNCTION IF EXISTS hybrid_search_document_chunks(
                text, vector, integer, jsonb, double precision, double precision, integer, boolean);
            DROP FUNCTION IF EXISTS hybrid_search_document_chunks(
                text, vector, integer, jsonb, double precision, double precision, integer, boolean, double precision,
                double precision);
            DROP FUNCTION IF EXISTS hybrid_search_document_chunks(
                text, vector, integer, jsonb, double precision, double precision, integer, boolean, double precision,
                double precision, double precision);
            CREATE FUNCTION hybrid_search_document_chunks(
                query_text text, query_embedding vector, match_count integer DEFAULT 10, filter jsonb DEFAULT '{}',
                full_text_weight double precision DEFAULT 0.1, semantic_weight double precision DEFAULT 1,
                rrf_k integer DEFAULT 60, one_per_document boolean DEFAULT false,
                document_weight double precision DEFAULT 0.2, context_weight double precision DEFAULT 0.5,
                chunk_weight double precision DEFAULT 1.3)
            RETURNS TABLE (chunk_id \(idType), source_file text, document_title text, heading_path text,
                           category text, content text, similarity double precision, text_rank integer,
                           semantic_rank integer, score double precision, source text)
            \(functionOptions)
            DECLARE
                candidates integer := greatest(match_count, 20) * CASE WHEN one_per_document THEN 10 ELSE 2 END;
                text_query tsquery := ragsync_search_query(query_text);
                text_ids \(idType)[];
                scans text := current_setting('enable_seqscan');
                model text := coalesce(filter->>'embedding_model', ragsync_active_model());
            BEGIN
                PERFORM ragsync_use_measured_search_settings(model);
                IF full_text_weight > 0 AND text_query IS NOT NULL THEN
                    -- The full-text ranking goes through the GIN index, never a scan of every chunk's search vector:
                    -- the planner does not count the reads of vectors kept out of line (TOAST), and at 25,436 chunks
                    -- the scan it chose took 55 ms where the index takes a few.
                    PERFORM set_config('enable_seqscan', 'off', true);
                    -- The 40 best full-text matches vote; more let common words outvote meaning (make eval).
                    SELECT array_agg(m.chunk_id ORDER BY m.rank DESC) INTO text_ids
                    FROM (
                        SELECT r.chunk_id, ts_rank_cd(r.search_vector, text_query) AS rank
                        FROM ragsync_chunk_search r
                        WHERE r.search_vector @@ text_query
                          -- Without a filter no chunk row is read: building each matching row for the filter took
                          -- 14 of 17 ms at 1,515 matches.
                          AND (filter = '{}'::jsonb OR EXISTS (
                              SELECT 1 FROM document_chunks c
                              WHERE c.chunk_id = r.chunk_id AND ragsync_chunk_matches(c, NULL, filter)))
                          AND (filter->>'embedding_model' IS NULL OR EXISTS (
                              SELECT 1 FROM chunk_embeddings e
                              WHERE e.chunk_id = r.chunk_id AND e.embedding_model = filter->>'embedding_model'))
                        ORDER BY 2 DESC
                        LIMIT greatest(40, CASE WHEN semantic_weight > 0 THEN 0 ELSE candidates END)
                    ) AS m;
                    PERFORM set_config('enable_seqscan', scans, true);
                END IF;
                RETURN QUERY
                WITH semantic AS MATERIALIZED (
                    SELECT n.chunk_id, c.source_file, n.embedding_model, 1 - n.distance AS similarity
                    FROM ragsync_nearest_chunks(
                        query_embedding, model, CASE WHEN semantic_weight > 0 THEN candidates ELSE 0 END, filter) n
                    JOIN document_chunks c ON c.chunk_id = n.chunk_id
                ), owned AS (
                    -- A document is a path within a source: two sources may both have `about.md`.
                    SELECT s.*, coalesce(r.source, '') AS source
                    FROM semantic s LEFT JOIN ragsync_chunks r ON r.chunk_id = s.chunk_id
                ), in_document AS (
                    -- Each candidate's place among its document's candidates, and the document's three best.
                    SELECT s.*, row_number() OVER (PARTITION BY s.source, s.source_file ORDER BY s.similarity DESC) AS place,
                           (array_agg(s.similarity) OVER (PARTITION BY s.source, s.source_file ORDER BY s.similarity DESC
                                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))[1:3] AS best
                    FROM owned s
                ), outline AS (
                    SELECT d.source, d.source_file, 1 - (o.embedding <=> query_embedding) AS similarity
                    FROM (SELECT DISTINCT i.source, i.source_file, i.embedding_model FROM in_document i) AS m
                    JOIN ragsync_documents d ON d.source_file = m.source_file AND d.source = m.source
                    JOIN ragsync_outline_embeddings o ON o.outline_hash = d.outline_hash
                                                     AND o.embedding_model = m.embedding_model
                    WHERE document_weight > 0
                ), semantic_ranked AS (
                    -- A chunk counts with its own similarity, its document's next best candidates (the two best
                    -- others, the second at 0.8) and its document's outline (a document of one chunk has none: its
                    -- best candidate stands for it).
                    SELECT i.chunk_id, i.similarity,
                           row_number() OVER (ORDER BY i.similarity DESC)::integer AS chunk_rank,
                           row_number() OVER (ORDER BY
                               i.similarity
                               + context_weight * (coalesce(CASE WHEN i.place = 1 THEN i.best[2] ELSE i.best[1] END, 0)
                                   + 0.8 * coalesce(CASE WHEN i.place <= 2 THEN i.best[3] ELSE i.best[2] END, 0))
                               + document_weight * coalesce(o.similarity, i.best[1]) DESC)::integer AS rank
                    FROM in_document i LEFT JOIN outline o ON o.source_file = i.source_file AND o.source = i.source
                ), full_text AS (
                    SELECT t.chunk_id, t.rank::integer AS rank
                    FROM unnest(coalesce(text_ids, '{}')) WITH ORDINALITY AS t(chunk_id, rank)
                ), fused AS (
                    SELECT coalesce(s.chunk_id, f.chunk_id) AS chunk_id, s.similarity, f.rank AS text_rank,
                           s.rank AS semantic_rank,
                           -- Two semantic votes: the document-aware ranking, and the chunk's own similarity at
                           -- chunk_weight (alone, the first lost questions whose answer is one chunk of a document
                           -- with few others near the question: R@5 0.972 against 0.982 for vector search).
                           coalesce(semantic_weight / (rrf_k + s.rank), 0.0)
                               + coalesce(semantic_weight * chunk_weight / (rrf_k + s.chunk_rank), 0.0)
                               + coalesce(full_text_weight / (rrf_k + f.rank), 0.0) AS score
                    FROM semantic_ranked s FULL JOIN full_text f ON f.chunk_id = s.chunk_id
                ), best AS (
                    SELECT DISTINCT ON (CASE WHEN one_per_document THEN coalesce(r.source, '') || E'\\n' || c.source_file
                                             ELSE c.chunk_id::text END)
                           c.chunk_id, c.source_file, c.document_title, c.metadata_json->>'heading_path' AS heading_path,
                           c.category, c.content, u.similarity, u.text_rank, u.semantic_rank, u.score,
                           coalesce(r.source, '') AS source
                    FROM fused u JOIN document_chunks c ON c.chunk_id = u.chunk_id
                    LEFT JOIN ragsync_chunks r ON r.chunk_id = u.chunk_id
                    ORDER BY CASE WHEN one_per_document THEN coalesce(r.source, '') || E'\\n' || c.source_file
                                  ELSE c.chunk_id::text END, u.score DESC
                ), placed AS (
                    SELECT b.*, row_number() OVER (PARTITION BY b.source, b.source_file ORDER BY b.score DESC) AS place
                    FROM best b
                )
                -- Three chunks per document first, then the rest: chunks of the best documents, all lifted together,
                -- would otherwise crowd every other document out of a long list.
                SELECT p.chunk_id, p.source_file, p.document_title, p.heading_path, p.category, p.content,
                       p.similarity, p.text_rank, p.semantic_rank, p.score, p.source
                FROM placed p ORDER BY p.place > 3, p.score DESC, p.semantic_rank NULLS LAST LIMIT match_count;
            END
            $$;
            """)
        try connection.execute(
            """
            INSERT INTO ragsync_chunk_search (chunk_id, search_vector)
            SELECT d.chunk_id, ragsync_search_vector(d.document_title, d.metadata_json->>'heading_path', d.content)
            FROM document_chunks d JOIN ragsync_chunks r ON r.chunk_id = d.chunk_id
            WHERE NOT EXISTS (SELECT 1 FROM ragsync_chunk_search s WHERE s.chunk_id = d.chunk_id)
            """)
    }

    /// Puts the configured text search configuration in force; when it changed, every chunk's search vector is
    /// computed again in the same transaction (one set-based statement).
    /// - Throws: `StoreError` naming `RAGSYNC_TEXT_SEARCH_CONFIG` when PostgreSQL has no such configuration.
    static func useTextSearchConfiguration(_ name: String, on connection: PostgresConnection) throws {
        let exists = try connection.query("SELECT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = $1)", [name]).scalar == "t"
        guard exists else {
            let available = try connection.query("SELECT string_agg(cfgname, ', ' ORDER BY cfgname) FROM pg_ts_config")
                .scalar ?? ""
            throw StoreError(
                .unsupportedSchema,
                message: "RAGSYNC_TEXT_SEARCH_CONFIG: PostgreSQL has no text search configuration \(name); "
                    + "use one of \(available)")
        }
        let current = try connection.query(
            "SELECT value FROM ragsync_settings WHERE key = 'text_search_config'"
        ).scalar ?? defaultTextSearchConfiguration
        guard current != name else { return }
        try connection.query(
            """
            INSERT INTO ragsync_settings (key, value) VALUES ('text_search_config', $1)
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
            """, [name])
        try connection.execute(
            """
            UPDATE ragsync_chunk_search s
            SET search_vector = ragsync_search_vector(d.document_title, d.metadata_json->>'heading_path', d.content)
            FROM document_chunks d
            WHERE d.chunk_id = s.chunk_id
            """)
    }
}

extension RetrievalFunctions {
    /// Runs a search through `match_document_chunks` or `hybrid_search_document_chunks`.
    public static func search(on connection: PostgresConnection, request: RetrievalRequest) throws -> [RetrievedChunk] {
        switch request.mode {
        case .vector:
            let rows = try connection.query(
                """
                SELECT chunk_id::text, source_file, document_title, heading_path, category, content, similarity, source
                FROM match_document_chunks($1::vector, $2, $3::jsonb, $4)
                """, [request.vector, request.count, request.filter.jsonText, request.onePerDocument])
            return try rows.decoded { row throws(PostgresError) in
                let similarity = try row.optionalDouble(6)
                var chunk = RetrievedChunk(
                    chunkId: try row.string(0), sourceFile: try row.string(1), title: row.optionalString(2),
                    headingPath: row.optionalString(3), category: row.optionalString(4),
                    content: row.optionalString(5) ?? "", similarity: similarity, score: similarity ?? 0,
                    textRank: nil, semanticRank: nil)
                chunk.source = row.optionalString(7) ?? ""
                return chunk
            }
        case .hybrid, .text:
            let rows = try connection.query(
                """
                SELECT chunk_id::text, source_file, document_title, heading_path, category, content, similarity,
                       text_rank, semantic_rank, score, source
                FROM hybrid_search_document_chunks($1, $2::vector, $3, $4::jsonb, $5, $6, $7, $8)
                """,
                [
                    request.text, request.vector, request.count, request.filter.jsonText, request.fullTextWeight,
                    request.mode == .text ? 0.0 : request.semanticWeight, request.rrfK, request.onePerDocument,
                ])
            return try rows.decoded { row throws(PostgresError) in
                var chunk = RetrievedChunk(
                    chunkId: try row.string(0), sourceFile: try row.string(1), title: row.optionalString(2),
                    headingPath: row.optionalString(3), category: row.optionalString(4),
                    content: row.optionalString(5) ?? "", similarity: try row.optionalDouble(6),
                    score: try row.optionalDouble(9) ?? 0, textRank: try row.optionalInt(7),
                    semanticRank: try row.optionalInt(8))
                chunk.source = row.optionalString(10) ?? ""
                return chunk
            }
        }
    }

    /// Says why a search with this model and category found nothing.
    public static func emptyResultReason(
        on connection: PostgresConnection, model: String, category: String?
    ) throws -> EmptyResultReason {
        let chunks = try connection.query("SELECT count(*) FROM document_chunks").scalarInt
        guard chunks > 0 else { return .noDocuments }
        let models = try connection.query(
            "SELECT embedding_model, count(*) FROM chunk_embeddings GROUP BY 1 ORDER BY 2 DESC"
        ).decoded { row throws(PostgresError) in
            EmptyResultReason.ModelCount(model: try row.string(0), count: try row.int(1))
        }
        guard models.contains(where: { $0.model == model }) else {
            return .noEmbeddings(model: model, otherModels: models)
        }
        if let category {
            let matching = try connection.query(
                "SELECT count(*) FROM document_chunks WHERE category = $1", [category]
            ).scalarInt
            if matching == 0 {
                let categories = try connection.query(
                    "SELECT DISTINCT category FROM document_chunks WHERE category IS NOT NULL ORDER BY 1"
                ).rows.compactMap { $0.first ?? nil }
                return .filterMatchesNothing(categories: categories)
            }
        }
        return .noMatch
    }
}
