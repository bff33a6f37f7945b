#!/usr/bin/env python3
# ragsync — `make eval`: retrieval quality of the real binary on the hand-written questions of bench/eval.
"""Measures how often ragsync finds the file that answers a question, for each search mode, against a baseline
that embeds every whole file with the same model.

    python3 bench/eval.py --binary .build/release/ragsync --set FOLDER=TSV [--set FOLDER=TSV ...]
                          [--modes vector,hybrid,text[,whole-file]] [--k 60] [--out bench/eval-results.json] [--keep]

For each set (a markdown folder and its questions, bench/eval/README.md) it indexes the folder into a fresh database
of the embedded PostgreSQL with the local model (all-MiniLM-L6-v2), asks every question with
`ragsync search QUESTION -k K --mode MODE --json`, and ranks the files by their first appearance in the results.
A question's rank is the position of the first expected file among those files. The metrics are R@1, R@5, R@10
(the fraction of questions ranked within 1, 5, 10) and MRR@10 (the mean of 1/rank, counting 0 beyond 10).

The mode `whole-file` needs no search (nor a database: with only that mode nothing is indexed): every file's text
(newlines as spaces; the model reads its first 256 wordpieces) and every question are embedded by `ragsync embed`,
and files are ranked by cosine similarity.

It prints one table per set and one for all sets together (micro-averaged over questions), lists the questions
each mode missed in its top 5, and writes everything as JSON.
"""

import argparse
import collections
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pgclient import Connection  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WHOLE_FILE = "whole-file"
CUTOFFS = (1, 5, 10)
MRR_DEPTH = 10
MISS_DEPTH = 5
MISSES_SHOWN = 15
MARKDOWN_SUFFIXES = (".md", ".markdown")

Question = collections.namedtuple("Question", "query expected")
EvalSet = collections.namedtuple("EvalSet", "name folder tsv database questions files")


class EvalFailure(Exception):
    """Something other than retrieval quality went wrong (a command failed, a file is missing); the run stops."""


# -- the question sets -------------------------------------------------------------------------------------------

def read_questions(tsv):
    """The questions of a TSV with the header `query<TAB>expected`; alternatives in `expected` are split on `|`."""
    with open(tsv, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    if not lines or lines[0].split("\t") != ["query", "expected"]:
        raise EvalFailure("%s: the first line must be the header query<TAB>expected" % tsv)
    questions = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0].strip() or not fields[1].strip():
            raise EvalFailure("%s:%d: expected a question and a path separated by one tab" % (tsv, number))
        expected = tuple(path.strip() for path in fields[1].split("|") if path.strip())
        questions.append(Question(fields[0].strip(), expected))
    if not questions:
        raise EvalFailure("%s has no questions" % tsv)
    return questions


def markdown_files(folder):
    """Paths (relative to `folder`, sorted) of the markdown files under it, skipping hidden files and folders."""
    found = []
    for directory, subdirectories, names in os.walk(folder):
        subdirectories[:] = [name for name in subdirectories if not name.startswith(".")]
        for name in names:
            if not name.startswith(".") and name.lower().endswith(MARKDOWN_SUFFIXES):
                found.append(os.path.relpath(os.path.join(directory, name), folder))
    return sorted(found)


def database_name(tsv, taken):
    """`ragsync_eval_<slug>` from the TSV's name, made unique among the names already `taken`."""
    slug = re.sub(r"[^a-z0-9]+", "_", os.path.splitext(os.path.basename(tsv))[0].lower()).strip("_") or "set"
    name, number = "ragsync_eval_" + slug, 2
    while name in taken:
        name, number = "ragsync_eval_%s_%d" % (slug, number), number + 1
    return name


def load_sets(pairs):
    """The sets named by `--set FOLDER=TSV` arguments, checked: the folder holds markdown and every expected file."""
    sets = []
    for pair in pairs:
        folder, separator, tsv = pair.partition("=")
        if not separator or not folder or not tsv:
            raise EvalFailure("--set %r: expected FOLDER=TSV" % pair)
        folder, tsv = os.path.abspath(folder), os.path.abspath(tsv)
        if not os.path.isdir(folder):
            raise EvalFailure("--set %s: %s is not a folder" % (pair, folder))
        files = markdown_files(folder)
        if not files:
            raise EvalFailure("--set %s: no markdown files in %s" % (pair, folder))
        questions = read_questions(tsv)
        present = set(files)
        for question in questions:
            missing = [path for path in question.expected if path not in present]
            if missing:
                raise EvalFailure("%s: %r expects %s, which is not a markdown file of %s"
                                  % (tsv, question.query, ", ".join(missing), folder))
        name = os.path.splitext(os.path.basename(tsv))[0]
        database = database_name(tsv, {existing.database for existing in sets})
        sets.append(EvalSet(name, folder, tsv, database, questions, files))
    return sets


# -- the ragsync binary ------------------------------------------------------------------------------------------

class Ragsync:
    """Runs the binary against databases of the embedded PostgreSQL, with the local model and no OpenAI settings."""

    def __init__(self, binary, admin_url, log_level):
        self.binary = binary
        self.admin_url = admin_url
        self.log_level = log_level

    def database_url(self, name):
        """The admin URL with another database name."""
        parts = urllib.parse.urlsplit(self.admin_url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + name))

    def recreate(self, name):
        """Drops the database if it exists and creates it empty."""
        self.drop(name)
        with Connection(self.admin_url) as admin:
            admin.query('CREATE DATABASE "%s"' % name)

    def drop(self, name):
        """Drops the database if it exists (quietly: no NOTICE when it does not)."""
        with Connection(self.admin_url) as admin:
            admin.query("SET client_min_messages TO warning")
            admin.query('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)

    def env(self, folder, database):
        """This process's environment without ragsync's, OpenAI's or systemd's settings (but with the local model's
        folder, RAGSYNC_LOCAL_MODEL_DIR, if one is set), plus the set's own."""
        env = {key: value for key, value in os.environ.items()
               if key == "RAGSYNC_LOCAL_MODEL_DIR"
               or not key.startswith(("RAGSYNC_", "OPENAI_", "NOTIFY_SOCKET", "WATCHDOG_", "JOURNAL_STREAM"))}
        env.update({
            "DATABASE_URL": self.database_url(database), "RAGSYNC_CONTENT_DIR": folder,
            "RAGSYNC_EMBEDDER": "local", "RAGSYNC_LOG_LEVEL": self.log_level,
        })
        return env

    def run(self, arguments, env, stdin_text=None):
        """Runs `ragsync ARGUMENTS...` to its end and returns its standard output; a non-zero exit is a failure
        that carries its standard error."""
        done = subprocess.run([self.binary, *arguments], env=env, cwd=ROOT, input=stdin_text,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
        if done.returncode != 0:
            command = " ".join(arguments)
            raise EvalFailure("`ragsync %s` exited %d:\n%s" % (
                command if len(command) <= 200 else command[:200] + "...", done.returncode,
                done.stderr.strip()[-4000:] or "(nothing on standard error)"))
        return done.stdout

    def index(self, eval_set):
        """A fresh database, `ragsync migrate`, then a timed `ragsync sync`; returns the sync's figures."""
        env = self.env(eval_set.folder, eval_set.database)
        self.recreate(eval_set.database)
        self.run(["migrate"], env)
        started = time.monotonic()
        self.run(["sync"], env)
        seconds = time.monotonic() - started
        with Connection(self.database_url(eval_set.database)) as db:
            chunks, tokens = db.query(
                "SELECT count(*), avg((metadata_json->>'token_count')::int) FROM document_chunks")[0]
            documents = db.scalar("SELECT count(*) FROM ragsync_documents WHERE content_hash IS NOT NULL")
        return {"sync_s": seconds, "chunks": int(chunks), "documents": int(documents),
                "avg_tokens": float(tokens) if tokens is not None else None}

    def search(self, eval_set, query, k, mode):
        """The results of `ragsync search QUERY -k K --mode MODE --json`, in rank order."""
        env = self.env(eval_set.folder, eval_set.database)
        return parse_search_output(self.run(["search", "-k", str(k), "--mode", mode, "--json", "--", query], env))

    def embed(self, eval_set, texts):
        """One vector per text from `ragsync embed`, which reads one text per line of standard input."""
        lines = [" ".join(text.splitlines()) for text in texts]
        output = self.run(["embed"], self.env(eval_set.folder, eval_set.database), "\n".join(lines) + "\n")
        vectors = [json.loads(line) for line in output.splitlines() if line.strip()]
        if len(vectors) != len(texts):
            raise EvalFailure("`ragsync embed` printed %d vectors for %d texts" % (len(vectors), len(texts)))
        return vectors


# -- ranking -----------------------------------------------------------------------------------------------------

def parse_search_output(stdout):
    """The JSON objects of `ragsync search --json`, one per line in rank order; each must carry source_file,
    chunk_id and score."""
    results = []
    for number, line in enumerate(stdout.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            result = json.loads(line)
        except ValueError as error:
            raise EvalFailure("`ragsync search --json` line %d is not JSON (%s): %r" % (number, error, line[:200]))
        if not isinstance(result, dict) or not {"source_file", "chunk_id", "score"} <= result.keys():
            raise EvalFailure("`ragsync search --json` line %d lacks source_file, chunk_id or score: %r"
                              % (number, line[:200]))
        results.append(result)
    return results


def ranked_files(results):
    """The distinct source files of the results, in the order of their first appearance."""
    return list(dict.fromkeys(result["source_file"] for result in results))


def rank_of(files, expected):
    """1-based position of the first expected file among `files`, or None when none of them is there."""
    for position, path in enumerate(files, start=1):
        if path in expected:
            return position
    return None


def cosine(left, right):
    """Cosine similarity in pure Python (the local model's vectors are unit length, so this is their dot product;
    the norms make it right for any embedder)."""
    dot = sum(a * b for a, b in zip(left, right))
    norms = math.sqrt(sum(a * a for a in left)) * math.sqrt(sum(b * b for b in right))
    return dot / norms if norms else 0.0


def rank_by_similarity(query_vector, file_vectors):
    """File paths by decreasing cosine similarity to the query (ties by path, so runs repeat exactly)."""
    scored = [(-cosine(query_vector, vector), path) for path, vector in file_vectors.items()]
    return [path for _, path in sorted(scored)]


def read_as_one_line(path):
    """A file's text with its line breaks as spaces (`ragsync embed` reads one text per line)."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        return " ".join(handle.read().splitlines())


def whole_file_rankings(ragsync, eval_set):
    """For each question, every file of the set ranked by the similarity of its whole text (as far as the model
    reads) to the question."""
    texts = [read_as_one_line(os.path.join(eval_set.folder, path)) for path in eval_set.files]
    file_vectors = dict(zip(eval_set.files, ragsync.embed(eval_set, texts)))
    query_vectors = ragsync.embed(eval_set, [question.query for question in eval_set.questions])
    return [rank_by_similarity(vector, file_vectors) for vector in query_vectors]


def search_rankings(ragsync, eval_set, mode, k):
    """For each question, the files `ragsync search` found in mode `mode`, in rank order."""
    return [ranked_files(ragsync.search(eval_set, question.query, k, mode)) for question in eval_set.questions]


# -- metrics -----------------------------------------------------------------------------------------------------

def metrics(ranks):
    """R@1, R@5, R@10 and MRR@10 of a list of ranks (None: not found)."""
    count = len(ranks)
    figures = {"queries": count}
    for cutoff in CUTOFFS:
        figures["R@%d" % cutoff] = sum(1 for rank in ranks if rank is not None and rank <= cutoff) / count
    figures["MRR@%d" % MRR_DEPTH] = sum(1 / rank for rank in ranks if rank is not None and rank <= MRR_DEPTH) / count
    return figures


def score_mode(questions, rankings):
    """Per-question records (rank, the first files) and the metrics over them."""
    records = []
    for question, files in zip(questions, rankings):
        records.append({"query": question.query, "expected": list(question.expected),
                        "rank": rank_of(files, question.expected), "top": files[:MRR_DEPTH]})
    return {"metrics": metrics([record["rank"] for record in records]), "questions": records}


def misses(records):
    """The questions whose expected file is not in the top MISS_DEPTH."""
    return [record for record in records if record["rank"] is None or record["rank"] > MISS_DEPTH]


# -- the run -----------------------------------------------------------------------------------------------------

def index_set(ragsync, eval_set):
    """Indexes one set into its fresh database and prints what the sync made."""
    index = ragsync.index(eval_set)
    print("eval:   sync %.2f s: %d chunks of %s tokens on average (%d documents)" % (
        index["sync_s"], index["chunks"], format_number(index["avg_tokens"], "%.0f"), index["documents"]), flush=True)
    if index["documents"] != len(eval_set.files):
        print("eval:   warning: %d markdown files on disk, %d documents indexed" % (
            len(eval_set.files), index["documents"]), flush=True)
    return index


def evaluate_set(ragsync, eval_set, modes, k):
    """Indexes one set (only when a search mode needs the database: whole-file does not) and scores every mode on
    its questions."""
    print("eval: %s: %d questions over %d files in %s" % (
        eval_set.name, len(eval_set.questions), len(eval_set.files), shown_path(eval_set.folder)), flush=True)
    index = index_set(ragsync, eval_set) if any(mode != WHOLE_FILE for mode in modes) else None
    result = {"name": eval_set.name, "folder": eval_set.folder, "tsv": eval_set.tsv, "database": eval_set.database,
              "files": len(eval_set.files), "index": index, "modes": {}}
    for mode in modes:
        started = time.monotonic()
        if mode == WHOLE_FILE:
            rankings = whole_file_rankings(ragsync, eval_set)
        else:
            rankings = search_rankings(ragsync, eval_set, mode, k)
        result["modes"][mode] = score_mode(eval_set.questions, rankings)
        result["modes"][mode]["seconds"] = time.monotonic() - started
        print("eval:   %-10s MRR@10 %.3f (%.1f s)" % (
            mode, result["modes"][mode]["metrics"]["MRR@10"], result["modes"][mode]["seconds"]), flush=True)
    return result


def overall(set_results, modes):
    """The metrics of every mode over the questions of all sets together (micro-average), and the index totals
    (None when nothing was indexed)."""
    indexes = [result["index"] for result in set_results if result["index"]]
    chunks = sum(index["chunks"] for index in indexes)
    token_sum = sum(index["chunks"] * (index["avg_tokens"] or 0) for index in indexes)
    figures = {
        "index": {"chunks": chunks, "avg_tokens": token_sum / chunks if chunks else None,
                  "sync_s": sum(index["sync_s"] for index in indexes)} if indexes else None,
        "files": sum(result["files"] for result in set_results), "modes": {},
    }
    for mode in modes:
        ranks = [record["rank"] for result in set_results for record in result["modes"][mode]["questions"]]
        figures["modes"][mode] = {"metrics": metrics(ranks)}
    return figures


# -- reporting ---------------------------------------------------------------------------------------------------

def shown_path(path):
    """A path relative to the current folder when it is under it, else absolute."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def format_number(value, pattern):
    return "-" if value is None else pattern % value


def table(title, result, modes):
    """A markdown table: one row per mode, the metrics, then the index's figures (whole-file: one 'chunk' per
    file, no sync; '-' where nothing was indexed)."""
    columns = ["mode"] + ["R@%d" % cutoff for cutoff in CUTOFFS] + ["MRR@%d" % MRR_DEPTH,
                                                                     "chunks", "avg tokens/chunk", "sync s"]
    lines = ["%s (%d questions)" % (title, result["modes"][modes[0]]["metrics"]["queries"]),
             "| " + " | ".join(columns) + " |", "|---" * len(columns) + "|"]
    index = result["index"]
    for mode in modes:
        figures = result["modes"][mode]["metrics"]
        cells = [mode] + ["%.3f" % figures[column] for column in columns[1:5]]
        if mode == WHOLE_FILE or index is None:
            cells += [str(result["files"]) if mode == WHOLE_FILE else "-", "-", "-"]
        else:
            cells += [str(index["chunks"]), format_number(index["avg_tokens"], "%.0f"), "%.2f" % index["sync_s"]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def miss_report(result, modes):
    """Per mode, up to MISSES_SHOWN questions that missed the top MISS_DEPTH: the question, the expected file and
    what came first."""
    lines = []
    for mode in modes:
        missed = misses(result["modes"][mode]["questions"])
        if not missed:
            continue
        lines.append("%s, %s: %d question(s) missed the top %d%s" % (
            result["name"], mode, len(missed), MISS_DEPTH,
            " (first %d shown)" % MISSES_SHOWN if len(missed) > MISSES_SHOWN else ""))
        for record in missed[:MISSES_SHOWN]:
            lines.append("  [%s] %s\n      expected %s; first: %s" % (
                "rank %d" % record["rank"] if record["rank"] else "not found", record["query"],
                " | ".join(record["expected"]), record["top"][0] if record["top"] else "(no results)"))
    return "\n".join(lines)


def report(results, modes):
    """Everything printed at the end: the tables, then the misses."""
    parts = [table("%s: %s" % (result["name"], shown_path(result["folder"])), result, modes)
             for result in results["sets"]]
    if len(results["sets"]) > 1:
        parts.append(table("all sets (micro-averaged over questions)", results["overall"], modes))
    missed = [miss_report(result, modes) for result in results["sets"]]
    parts.extend(part for part in missed if part)
    return "\n\n".join(parts)


# -- the command line --------------------------------------------------------------------------------------------

def parse_modes(text):
    """`vector,hybrid,text,whole-file` as a list, in order, without duplicates."""
    modes = list(dict.fromkeys(mode.strip() for mode in text.split(",") if mode.strip()))
    if not modes:
        raise EvalFailure("--modes names no mode")
    return modes


def admin_url():
    """The embedded database's URL, from scripts/db.sh (which knows where it runs and its password)."""
    try:
        return subprocess.check_output(["bash", os.path.join(ROOT, "scripts", "db.sh"), "url"],
                                       text=True, stderr=subprocess.PIPE).strip()
    except subprocess.CalledProcessError as error:
        raise EvalFailure("scripts/db.sh url failed (is the database started? make db-start): %s"
                          % error.stderr.strip())


def run(options):
    """The whole evaluation; returns the results to write."""
    modes = parse_modes(options.modes)
    sets = load_sets(options.set)
    ragsync = Ragsync(options.binary, admin_url(), options.log_level)
    results = {
        "machine": {"cpus": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version()},
        "settings": {"binary": options.binary, "modes": modes, "k": options.k, "embedder": "local"},
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "sets": [],
    }
    try:
        for eval_set in sets:
            results["sets"].append(evaluate_set(ragsync, eval_set, modes, options.k))
    finally:
        if not options.keep:
            for eval_set in sets:
                ragsync.drop(eval_set.database)
    results["overall"] = overall(results["sets"], modes)
    results["report"] = report(results, modes)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "ragsync"))
    parser.add_argument("--set", action="append", required=True, metavar="FOLDER=TSV",
                        help="a markdown folder and its questions (paths in the TSV are relative to the folder); "
                             "repeat for more sets")
    parser.add_argument("--modes", default="vector,hybrid,text",
                        help="comma-separated: search modes passed to `ragsync search --mode`, and/or %s" % WHOLE_FILE)
    parser.add_argument("--k", type=int, default=60, help="chunks asked of `ragsync search`")
    parser.add_argument("--log-level", default="warning", help="ragsync's log level")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "eval-results.json"))
    parser.add_argument("--keep", action="store_true", help="keep the ragsync_eval_* databases")
    options = parser.parse_args()
    options.binary = os.path.abspath(options.binary)
    if not os.access(options.binary, os.X_OK):
        sys.exit("eval: %s is not an executable; build it first (make eval does)" % options.binary)
    if options.k < 1:
        sys.exit("eval: --k must be at least 1")
    try:
        results = run(options)
    except EvalFailure as failure:
        sys.exit("eval: FAILED: %s" % failure)
    with open(options.out, "w") as handle:
        json.dump(results, handle, indent=2)
    print(results["report"])
    print("eval: figures written to %s" % shown_path(options.out))


if __name__ == "__main__":
    main()
