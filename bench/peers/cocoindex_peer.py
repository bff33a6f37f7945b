# ragsync — the CocoIndex peer for `make bench-peers`: the same corpus, database and embedding server as ragsync.
"""Runs one CocoIndex 0.3.39 operation on a content folder and exits:

    python cocoindex_peer.py setup|update --content DIR --embed-url URL

`setup` drops and creates the flow's tables (not timed); `update` is one incremental update: the first is the cold
index, later ones a no-change run or an edit. The flow is CocoIndex's own markdown example shape: files, recursive
markdown splitting (2,000 characters, about ragsync's 500 tokens, with 300 of overlap), OpenAI-compatible
embeddings of 1,536 dimensions, rows and a cosine vector index in PostgreSQL. COCOINDEX_DATABASE_URL names the
database (its state and the target table)."""

import argparse
import os

import cocoindex


def build(content, embed_url):
    @cocoindex.flow_def(name="RagsyncPeer")
    def flow(flow_builder, data_scope):
        data_scope["documents"] = flow_builder.add_source(
            cocoindex.sources.LocalFile(path=content, included_patterns=["*.md"]))
        collected = data_scope.add_collector()
        with data_scope["documents"].row() as document:
            document["chunks"] = document["content"].transform(
                cocoindex.functions.SplitRecursively(), language="markdown", chunk_size=2000, chunk_overlap=300)
            with document["chunks"].row() as chunk:
                chunk["embedding"] = chunk["text"].transform(
                    cocoindex.functions.EmbedText(
                        api_type=cocoindex.LlmApiType.OPENAI, model="text-embedding-3-small", address=embed_url,
                        output_dimension=1536))
                collected.collect(
                    filename=document["filename"], location=chunk["location"], text=chunk["text"],
                    embedding=chunk["embedding"])
        collected.export(
            "chunks", cocoindex.targets.Postgres(), primary_key_fields=["filename", "location"],
            vector_indexes=[cocoindex.VectorIndexDef("embedding", cocoindex.VectorSimilarityMetric.COSINE_SIMILARITY)])
    return flow


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("operation", choices=["setup", "update"])
    parser.add_argument("--content", required=True)
    parser.add_argument("--embed-url", required=True)
    options = parser.parse_args()
    os.environ.setdefault("OPENAI_API_KEY", "unused")
    cocoindex.init()
    flow = build(os.path.abspath(options.content), options.embed_url)
    if options.operation == "setup":
        flow.drop()
        flow.setup()
    else:
        stats = flow.update()
        print(stats)


if __name__ == "__main__":
    main()
