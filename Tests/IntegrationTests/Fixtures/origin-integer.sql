-- A variant of the origin schema: integer ids (one without any default) and retrieved_chunk_ids as JSONB.
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE document_chunks (
    chunk_id SERIAL PRIMARY KEY,
    content TEXT NOT NULL,
    source_file VARCHAR(500) NOT NULL,
    category VARCHAR(100),
    document_title VARCHAR(500),
    chunk_index INTEGER NOT NULL,
    metadata_json JSONB
);
CREATE TABLE chunk_embeddings (
    embedding_id INTEGER NOT NULL PRIMARY KEY,
    chunk_id INTEGER NOT NULL REFERENCES document_chunks (chunk_id),
    embedding vector(1536),
    embedding_model VARCHAR(100) NOT NULL
);
CREATE TABLE query_logs (
    query_id SERIAL PRIMARY KEY,
    query_text TEXT NOT NULL,
    retrieved_chunk_ids JSONB,
    response_text TEXT
);
CREATE INDEX ix_document_chunks_source_file ON document_chunks (source_file);
CREATE INDEX idx_embedding_vector_cosine ON chunk_embeddings USING ivfflat (embedding vector_cosine_ops) WITH (lists = 100);

INSERT INTO document_chunks (content, source_file, category, document_title, chunk_index, metadata_json)
VALUES ('Kept from the origin project.', 'about.md', 'about', 'About', 0, '{}');
INSERT INTO chunk_embeddings (embedding_id, chunk_id, embedding, embedding_model)
VALUES (7, 1, array_fill(0.25::real, ARRAY[1536])::vector, 'text-embedding-3-small');
INSERT INTO query_logs (query_text, retrieved_chunk_ids, response_text) VALUES ('About?', '[1]', 'This.');
