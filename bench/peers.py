# ragsync — `make bench-peers`: ragsync and CocoIndex on the same corpus, database and embedding server, one run.
"""Indexes one generated corpus with ragsync and with CocoIndex 0.3.39 (bench/peers/cocoindex_peer.py, in its own
virtual environment), into the same PostgreSQL through the same local embedding server, and prints ragsync's
ratios:

    python3 bench/peers.py --binary .build/release/ragsync --peer-python .venv-peers/bin/python [--sizes 1000]

For each tool, one-shot runs as a user would start them: the cold index, a run with nothing changed, and a run
after one paragraph of one file was edited (with the embedding inputs that edit cost), each as a process of its own
with its wall time and peak RSS (VmHWM). CocoIndex's table setup is not timed. It asserts nothing about speed."""

import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import corpus  # noqa: E402

PEER_SCRIPT = os.path.join(bench.ROOT, "bench", "peers", "cocoindex_peer.py")


class Peers(bench.Bench):
    def coco(self, content, database, operation):
        env = {key: value for key, value in os.environ.items() if not key.startswith(("RAGSYNC_", "OPENAI_"))}
        env.update({"COCOINDEX_DATABASE_URL": self.database_url(database), "OPENAI_API_KEY": "unused",
                    "SCARF_NO_ANALYTICS": "true", "DO_NOT_TRACK": "1"})
        argv = [self.options.peer_python, PEER_SCRIPT, operation, "--content", content,
                "--embed-url", self.server.url + "/v1"]
        before = self.server.stats()["inputs"]
        result = bench.run_measured(argv, env, os.path.join(self.work, "cocoindex.log"))
        if result["exit"] != 0:
            raise bench.BenchFailure("CocoIndex %s failed (exit %d); see %s"
                                     % (operation, result["exit"], os.path.join(self.work, "cocoindex.log")))
        result["inputs"] = self.server.stats()["inputs"] - before
        return result

    def ragsync_run(self, content, database):
        before = self.server.stats()["inputs"]
        result = self.sync(content, database)
        result["inputs"] = self.server.stats()["inputs"] - before
        return result

    def edit(self, content, path, seed):
        full = os.path.join(content, path)
        with open(full) as handle:
            text = handle.read()
        with open(full, "w") as handle:
            handle.write(corpus.edit_paragraph(text, seed=seed))

    def compare(self, files):
        content = os.path.join(self.work, "corpus-%d" % files)
        paths, _ = corpus.write_corpus(content, files, seed=self.options.seed)
        edited = paths[len(paths) // 2]
        figures = {"files": files}

        self.recreate("ragsync_peers")
        self.migrate(content, "ragsync_peers")
        figures["ragsync"] = {"cold": self.ragsync_run(content, "ragsync_peers")}
        figures["ragsync"]["unchanged"] = self.ragsync_run(content, "ragsync_peers")
        self.edit(content, edited, seed=1)
        figures["ragsync"]["edit"] = self.ragsync_run(content, "ragsync_peers")

        self.recreate("ragsync_peers_cocoindex")
        self.coco(content, "ragsync_peers_cocoindex", "setup")
        figures["cocoindex"] = {"cold": self.coco(content, "ragsync_peers_cocoindex", "update")}
        figures["cocoindex"]["unchanged"] = self.coco(content, "ragsync_peers_cocoindex", "update")
        self.edit(content, edited, seed=2)
        figures["cocoindex"]["edit"] = self.coco(content, "ragsync_peers_cocoindex", "update")
        shutil.rmtree(content, ignore_errors=True)
        return figures


def table(sizes):
    lines = ["| %d files | ragsync | CocoIndex 0.3.39 | ragsync's ratio |" % sizes[0]["files"] if len(sizes) == 1
             else "| | ragsync | CocoIndex 0.3.39 | ragsync's ratio |", "|---|---|---|---|"]
    for figures in sizes:
        ours, theirs = figures["ragsync"], figures["cocoindex"]
        prefix = "%d files: " % figures["files"] if len(sizes) > 1 else ""
        for label, key in (("cold index", "cold"), ("nothing changed", "unchanged"), ("one-paragraph edit", "edit")):
            lines.append("| %s%s | %.2f s, %d inputs | %.2f s, %d inputs | %.1fx faster |" % (
                prefix, label, ours[key]["wall_s"], ours[key]["inputs"], theirs[key]["wall_s"], theirs[key]["inputs"],
                theirs[key]["wall_s"] / max(ours[key]["wall_s"], 1e-6)))
        lines.append("| %speak RSS, cold index | %.1f MB | %.1f MB | %.1fx less |" % (
            prefix, ours["cold"]["peak_rss_mb"], theirs["cold"]["peak_rss_mb"],
            theirs["cold"]["peak_rss_mb"] / max(ours["cold"]["peak_rss_mb"], 1e-6)))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(bench.ROOT, ".build", "release", "ragsync"))
    parser.add_argument("--peer-python", default=os.path.join(bench.ROOT, ".venv-peers", "bin", "python"))
    parser.add_argument("--sizes", default="1000")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--data-dir", default=os.environ.get("RAGSYNC_DATA_DIR", os.path.join(bench.ROOT, ".data")))
    parser.add_argument("--out", default=os.path.join(bench.ROOT, "bench", "peers-results.json"))
    options = parser.parse_args()
    options.binary = os.path.abspath(options.binary)
    for program, hint in ((options.binary, "build it first (make bench-peers does)"),
                          (options.peer_python, "make bench-peers installs CocoIndex there")):
        if not os.access(program, os.X_OK):
            sys.exit("bench-peers: %s is not an executable; %s" % (program, hint))
    bench.run_and_report("bench-peers", options, Peers,
                         lambda peers: [peers.compare(int(size)) for size in options.sizes.split(",")], table,
                         lambda results, printed: {"sizes": results, "table": printed}, scratch_prefix="ragsync-peers-")


if __name__ == "__main__":
    main()
