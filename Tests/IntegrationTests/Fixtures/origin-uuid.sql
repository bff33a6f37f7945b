-- The origin project's schema as its Alembic migration created it, with UUID ids and a uuid[] of retrieved ids,
-- no server-side id defaults (SQLAlchemy generated uuid4 in Python), and the IVFFlat index built on the empty table.
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE document_chunks (
    chunk_id UUID NOT NULL PRIMARY KEY,
    content TEXT NOT NULL,
    source_file VARCHAR(500) NOT NULL,
    category VARCHAR(100),
    document_title VARCHAR(500),
    chunk_index INTEGER NOT NULL,
    metadata_json JSONB,
    created_at TIMESTAMP WITHOUT TIME ZONE DEFAULT now()
);
CREATE TABLE chunk_embeddings (
    embedding_id UUID NOT NULL PRIMARY KEY,
    chunk_id UUID NOT NULL REFERENCES document_chunks (chunk_id) ON DELETE CASCADE,
    embedding vector(1536) NOT NULL,
    embedding_model VARCHAR(100) NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE DEFAULT now()
);
CREATE TABLE query_logs (
    query_id UUID NOT NULL PRIMARY KEY,
    query_text TEXT NOT NULL,
    retrieved_chunk_ids UUID[],
    response_text TEXT,
    created_at TIMESTAMP WITHOUT TIME ZONE DEFAULT now()
);
CREATE INDEX ix_document_chunks_source_file ON document_chunks (source_file);
CREATE INDEX ix_document_chunks_category ON document_chunks (category);
CREATE INDEX ix_chunk_embeddings_chunk_id ON chunk_embeddings (chunk_id);
CREATE INDEX idx_embedding_model ON chunk_embeddings (embedding_model);
CREATE INDEX idx_embedding_vector_cosine ON chunk_embeddings USING ivfflat (embedding vector_cosine_ops) WITH (lists = 100);
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
INSERT INTO alembic_version VALUES ('001_initial');

INSERT INTO document_chunks (chunk_id, content, source_file, category, document_title, chunk_index, metadata_json)
VALUES
    ('11111111-1111-1111-1111-111111111111', 'Staff engineer at Acme, 2019–2024.', 'resume.md', 'resume', 'Resume', 0, '{"tags": ["work"]}'),
    ('22222222-2222-2222-2222-222222222222', 'Built a Swift indexer.', 'projects/ragsync.md', 'project', 'ragsync', 0, '{}');
INSERT INTO chunk_embeddings (embedding_id, chunk_id, embedding, embedding_model)
SELECT '33333333-3333-3333-3333-333333333333', '11111111-1111-1111-1111-111111111111',
       array_fill(0.5::real, ARRAY[1536])::vector, 'text-embedding-3-small';
INSERT INTO query_logs (query_id, query_text, retrieved_chunk_ids, response_text)
VALUES ('44444444-4444-4444-4444-444444444444', 'Where did they work?', ARRAY['11111111-1111-1111-1111-111111111111']::uuid[], 'At Acme.');
