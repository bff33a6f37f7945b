#!/usr/bin/env python3
# ragsync — `make bench`: the real binary against the embedded PostgreSQL and a local embedding server.
"""Measures what users choose an indexer by: cold index, the COPY BINARY limit, a sync with nothing changed, daemon
restart, save -> commit latency of edits, deletes and renames, re-embedding after an insert at the top, a burst of
1,000 rewrites, idle footprint, and how all of it scales with the corpus.

    python3 bench/bench.py --binary .build/release/ragsync [--sizes 1000,5000] [--runs 3] [--edits 50]
                           [--burst 1000] [--idle-seconds 60] [--latency-ms 0] [--out bench/results.json]

It prints one table and writes the figures as JSON. It asserts nothing about speed (benchmarks are not tests), but
it fails when ragsync gets something wrong on the way: a change that never reaches the database, a database that
does not match the disk after the burst, embedding inputs where none are due.
"""

import argparse
import hashlib
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
from pgclient import Connection  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TABLES = ["document_chunks", "chunk_embeddings", "ragsync_chunks", "ragsync_chunk_search", "ragsync_documents"]


class BenchFailure(Exception):
    """ragsync did something wrong (not slow: wrong); the benchmark stops with this message."""


# -- processes and their costs -----------------------------------------------------------------------------------

def proc_cpu(pid, children=False):
    """CPU seconds of a live process from /proc (with its reaped children when asked)."""
    with open("/proc/%d/stat" % pid) as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLOCK_TICKS


def proc_status(pid, task=None):
    """/proc/PID/status (or a thread's) as a dict of strings."""
    path = "/proc/%d/task/%s/status" % (pid, task) if task else "/proc/%d/status" % pid
    values = {}
    with open(path) as handle:
        for line in handle:
            key, _, value = line.partition(":")
            values[key] = value.strip()
    return values


def context_switches(pid):
    """Context switches per thread of the process (thread id -> count): how often each woke up."""
    counts = {}
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            status = proc_status(pid, task)
        except FileNotFoundError:
            continue
        counts[task] = int(status["voluntary_ctxt_switches"]) + int(status["nonvoluntary_ctxt_switches"])
    return counts


def wakeups_between(before, after):
    """Switches made between two samples; threads that ended in between are not counted (their last switches are
    lost with them), threads that started count from zero."""
    return sum(count - before.get(task, 0) for task, count in after.items())


class PostgresCPU:
    """CPU seconds of the whole PostgreSQL server: the postmaster with its exited backends, plus live children."""

    def __init__(self, data_dir):
        with open(os.path.join(data_dir, "postgres", "postmaster.pid")) as handle:
            self.pid = int(handle.readline())

    def children(self):
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open("/proc/%s/stat" % entry) as handle:
                        if int(handle.read().rsplit(")", 1)[1].split()[1]) == self.pid:
                            found.append(int(entry))
                except (FileNotFoundError, ProcessLookupError, IndexError):
                    pass
        return found

    def seconds(self):
        total = proc_cpu(self.pid, children=True)
        for child in self.children():
            try:
                total += proc_cpu(child)
            except FileNotFoundError:
                pass
        return total

    def settle(self, baseline_children, timeout=5.0):
        """Waits until the backends of a finished client have exited (their CPU moves to the postmaster's)."""
        deadline = time.monotonic() + timeout
        while len(self.children()) > baseline_children and time.monotonic() < deadline:
            time.sleep(0.01)


def evict_from_page_cache(path):
    """Drops the file's clean pages from the page cache, so the daemon reads its code from disk as after a reboot or
    an upgrade. A binary the linker just wrote is cached whole, and the kernel maps up to 64 KB of cached code around
    each page the daemon touches: the idle RSS of one binary varied by 0.8 MB with the way its pages were cached."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fdatasync(fd)  # pages the linker's writes left dirty are not dropped
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def run_measured(argv, env, log_path, stdin_path=None):
    """Runs a command to its end (its standard input from stdin_path when given, its output appended to log_path);
    returns wall seconds, CPU seconds (wait4), peak RSS (MB) and the exit code.

    The peak is the process's own VmHWM, sampled every 5 ms: wait4's ru_maxrss would include this Python
    process's high-water mark, which Linux carries across the spawn's exec (it once read 94 MB for a 60 MB
    ragsync)."""
    started = time.monotonic()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_OPEN, 1, log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ] + ([(os.POSIX_SPAWN_OPEN, 0, stdin_path, os.O_RDONLY, 0)] if stdin_path else []))
    peak = [0]
    finished = threading.Event()

    def sample():
        while not finished.is_set():
            try:
                peak[0] = max(peak[0], int(proc_status(pid).get("VmHWM", "0 kB").split()[0]))
            except (FileNotFoundError, ProcessLookupError, ValueError):
                return
            finished.wait(0.005)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(pid, 0)
    finished.set()
    sampler.join()
    wall = time.monotonic() - started
    return {
        "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": peak[0] / 1024,
        "exit": os.waitstatus_to_exitcode(status),
    }


class EmbeddingServer:
    def __init__(self, latency_ms):
        argv = [sys.executable, os.path.join(ROOT, "scripts", "embedding_server.py"), "--port", "0", "--instant",
                "--exit-on-stdin-eof", "--latency-ms", str(latency_ms)]
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = self.process.stdout.readline().decode()
        if not line.startswith("PORT "):
            raise BenchFailure("the embedding server did not start: %r" % line)
        self.url = "http://127.0.0.1:%d" % int(line.split()[1])

    def stats(self):
        with urllib.request.urlopen(self.url + "/_stats") as response:
            return json.loads(response.read())

    def fault(self, mode, count=1, delay_ms=None):
        body = {"mode": mode, "count": count}
        if delay_ms is not None:
            body["delay_ms"] = delay_ms
        request = urllib.request.Request(self.url + "/_faults", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            response.read()

    def stop(self):
        self.process.kill()
        self.process.wait()


class NotifySocket:
    """The sd_notify datagram socket a real systemd would give the daemon, drained all the time as systemd does
    (a full socket would block the daemon's sd_notify calls)."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "notify.sock")
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(self.path)
        self.messages = []  # (arrival time, text)
        self.arrived = threading.Condition()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        while True:
            try:
                data = self.socket.recv(65536)
            except OSError:
                return
            with self.arrived:
                self.messages.append((time.monotonic(), data.decode(errors="replace")))
                self.arrived.notify_all()

    def wait_for(self, predicate, timeout):
        """Returns (arrival time, message) of the first message so far for which predicate holds."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for arrived, message in self.messages:
                    if predicate(message):
                        return arrived, message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BenchFailure("the daemon did not send the expected sd_notify message in %.0f s" % timeout)
                self.arrived.wait(remaining)

    def close(self):
        self.socket.shutdown(socket.SHUT_RDWR)
        self.socket.close()


def database_url(admin_url, name):
    """The admin URL with another database name."""
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(admin_url)._replace(path="/" + name))


def recreate_database(admin_url, name):
    """Drops and creates the database `name`; returns its URL."""
    with Connection(admin_url) as admin:
        admin.query('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        admin.query('CREATE DATABASE "%s"' % name)
    return database_url(admin_url, name)


def environment_without_settings():
    """This process's environment without ragsync's, OpenAI's and systemd's settings, for a ragsync to start in."""
    return {key: value for key, value in os.environ.items()
            if not key.startswith(("RAGSYNC_", "OPENAI_", "NOTIFY_SOCKET", "WATCHDOG_", "JOURNAL_STREAM"))}


# -- the benchmark -----------------------------------------------------------------------------------------------

class Bench:
    def __init__(self, options):
        self.options = options
        self.work = options.work
        self.admin_url = subprocess.check_output(["bash", os.path.join(ROOT, "scripts", "db.sh"), "url"],
                                                 text=True, stderr=subprocess.DEVNULL).strip()
        self.postgres = PostgresCPU(options.data_dir)
        self.server = EmbeddingServer(options.latency_ms)
        self.log = os.path.join(self.work, "ragsync.log")

    def database_url(self, name):
        return database_url(self.admin_url, name)

    def recreate(self, name):
        recreate_database(self.admin_url, name)

    def env(self, content, database):
        env = environment_without_settings()
        env.update({
            "DATABASE_URL": self.database_url(database), "OPENAI_BASE_URL": self.server.url + "/v1",
            "RAGSYNC_CONTENT_DIR": content, "RAGSYNC_EMBEDDER": "openai", "RAGSYNC_LOG_LEVEL": self.options.log_level,
        })
        return env

    def ragsync(self, *arguments):
        return [self.options.binary, *arguments]

    def migrate(self, content, database):
        result = run_measured(self.ragsync("migrate"), self.env(content, database), self.log)
        if result["exit"] != 0:
            raise BenchFailure("ragsync migrate failed (exit %d); see %s" % (result["exit"], self.log))

    def sync(self, content, database):
        """One `ragsync sync` with ragsync's and PostgreSQL's CPU and the embedding requests it made."""
        baseline_children = len(self.postgres.children())
        stats_before = self.server.stats()
        postgres_before = self.postgres.seconds()
        log_offset = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        result = run_measured(self.ragsync("sync"), self.env(content, database), self.log)
        if result["exit"] != 0:
            raise BenchFailure("ragsync sync failed (exit %d); see %s" % (result["exit"], self.log))
        self.postgres.settle(baseline_children)
        stats_after = self.server.stats()
        result["postgres_cpu_s"] = self.postgres.seconds() - postgres_before
        result["requests"] = stats_after["requests"] - stats_before["requests"]
        result["inputs"] = stats_after["inputs"] - stats_before["inputs"]
        with open(self.log, "rb") as log:
            log.seek(log_offset)
            built = re.search(rb"action=vector-index-built[^\n]*?duration_ms=(\d+)|vector index[^\n]* built: [^\n]*?duration_ms=(\d+)", log.read())
        result["index_upkeep_s"] = int(built.group(1) or built.group(2)) / 1000 if built else 0.0
        return result

    # 1. cold index, 3. nothing changed ---------------------------------------------------------------------------

    def cold_index(self, content, files, megabytes):
        runs = []
        for _ in range(self.options.runs):
            self.recreate("ragsync_bench")
            self.migrate(content, "ragsync_bench")
            runs.append(self.sync(content, "ragsync_bench"))
        with Connection(self.database_url("ragsync_bench")) as db:
            chunks = int(db.scalar("SELECT count(*) FROM document_chunks"))
            embeddings = int(db.scalar("SELECT count(*) FROM chunk_embeddings"))
            documents = int(db.scalar("SELECT count(*) FROM ragsync_documents WHERE content_hash IS NOT NULL"))
        if documents != files or embeddings != chunks:
            raise BenchFailure("cold index left %d of %d documents, %d embeddings for %d chunks"
                               % (documents, files, embeddings, chunks))
        wall = statistics.median(run["wall_s"] for run in runs)
        return {
            "runs": runs, "wall_s": wall, "documents": documents, "chunks": chunks,
            "documents_per_s": files / wall, "chunks_per_s": chunks / wall, "mb_per_s": megabytes / wall,
            "cpu_s": statistics.median(run["cpu_s"] for run in runs),
            "postgres_cpu_s": statistics.median(run["postgres_cpu_s"] for run in runs),
            "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
            "index_upkeep_s": statistics.median(run["index_upkeep_s"] for run in runs),
            "requests": runs[-1]["requests"], "inputs": runs[-1]["inputs"],
        }

    def unchanged_sync(self, content):
        runs = [self.sync(content, "ragsync_bench") for _ in range(self.options.runs)]
        inputs = sum(run["inputs"] for run in runs)
        if inputs:
            raise BenchFailure("a sync with nothing changed sent %d embedding inputs" % inputs)
        return {"runs": runs, "wall_s": statistics.median(run["wall_s"] for run in runs), "inputs": inputs,
                "cpu_s": statistics.median(run["cpu_s"] for run in runs)}

    def query_latency(self, samples=60):
        """The web host's two contract functions timed on one connection over the cold-indexed corpus, with stored
        chunks standing in for questions (seeded): the chunk's vector as the query embedding, and as the question five
        words of that chunk, or, for the worst case, five of the corpus's 200 most frequent words."""
        rng = random.Random(self.options.seed)
        with Connection(self.database_url("ragsync_bench")) as db:
            picked = db.query(
                "SELECT e.embedding::text, array_to_string(tsvector_to_array(r.search_vector), ' ') "
                "FROM chunk_embeddings e JOIN ragsync_chunk_search r ON r.chunk_id = e.chunk_id "
                "ORDER BY md5(e.chunk_id::text) LIMIT %d" % samples)
            common = [row[0] for row in db.query(
                "SELECT word FROM ts_stat('SELECT search_vector FROM ragsync_chunk_search') WHERE length(word) > 3 "
                "ORDER BY ndoc DESC, word LIMIT 200")]
            index = db.query("SELECT method, lists, probes FROM ragsync_vector_index")
            timings = {"match_document_chunks": [], "hybrid_search_document_chunks": [], "hybrid_common_words": []}
            for vector, lexemes in picked:
                own = lexemes.split()
                own_words = " ".join(rng.sample(own, min(5, len(own)))).replace("'", "''")
                common_words = " ".join(rng.sample(common, min(5, len(common)))).replace("'", "''")
                for name, sql in (
                        ("match_document_chunks", "SELECT count(*) FROM match_document_chunks('%s'::vector, 10)" % vector),
                        ("hybrid_search_document_chunks",
                         "SELECT count(*) FROM hybrid_search_document_chunks('%s', '%s'::vector, 10)" % (own_words, vector)),
                        ("hybrid_common_words",
                         "SELECT count(*) FROM hybrid_search_document_chunks('%s', '%s'::vector, 10)" % (common_words, vector))):
                    started = time.perf_counter()
                    db.query(sql)
                    timings[name].append((time.perf_counter() - started) * 1000)
        result = {name: {"p50_ms": percentile(sorted(values), 50), "p90_ms": percentile(sorted(values), 90)}
                  for name, values in timings.items()}
        result["index"] = ("%s lists %s probes %s" % tuple(index[0])) if index else "exact"
        return result

    def pathological(self):
        """Each file of corpus.pathological_files indexed alone by `ragsync sync` into a fresh database: chunks,
        time and peak RSS, the memory one document costs."""
        results = {}
        for name, text in corpus.pathological_files(self.options.seed).items():
            folder = os.path.join(self.work, "pathological", name)
            shutil.rmtree(folder, ignore_errors=True)
            os.makedirs(folder)
            with open(os.path.join(folder, name), "w") as handle:
                handle.write(text)
            self.recreate("ragsync_bench_pathological")
            self.migrate(folder, "ragsync_bench_pathological")
            run = self.sync(folder, "ragsync_bench_pathological")
            with Connection(self.database_url("ragsync_bench_pathological")) as db:
                chunks = int(db.scalar("SELECT count(*) FROM document_chunks"))
            results[name] = {"bytes": len(text.encode()), "chunks": chunks, "wall_s": run["wall_s"],
                             "peak_rss_mb": run["peak_rss_mb"]}
            print("bench:   pathological %s: %d chunks, %.2f s, peak %.1f MB" % (
                name, chunks, run["wall_s"], run["peak_rss_mb"]), flush=True)
        return results

    # 2. the limit ------------------------------------------------------------------------------------------------

    def copy_limit(self, content):
        """The rows ragsync wrote, written again by COPY BINARY into an identical empty schema, plus the vector
        index ragsync built (if any): the fastest way PostgreSQL offers to reach the same end state."""
        with Connection(self.database_url("ragsync_bench")) as source:
            data = {table: source.copy_out("COPY %s TO STDOUT (FORMAT binary)" % table) for table in TABLES}
            vector_indexes = [row[0] for row in source.query(
                "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'chunk_embeddings'::regclass "
                "AND pg_get_indexdef(indexrelid) ~ '(ivfflat|hnsw)'")]
        runs = []
        for _ in range(self.options.runs):
            self.recreate("ragsync_bench_limit")
            self.migrate(content, "ragsync_bench_limit")
            with Connection(self.database_url("ragsync_bench_limit")) as target:
                for (name,) in target.query(
                        "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'chunk_embeddings'::regclass "
                        "AND pg_get_indexdef(indexrelid) ~ '(ivfflat|hnsw)'"):
                    target.query("DROP INDEX %s" % name)
                postgres_before = self.postgres.seconds()
                started = time.monotonic()
                target.query("BEGIN")
                for table in TABLES:
                    target.copy_in("COPY %s FROM STDIN (FORMAT binary)" % table, data[table])
                target.query("COMMIT")
                # As much build memory as ragsync gives itself, or more: the limit is never held back by it.
                target.query("SET maintenance_work_mem = '512MB'")
                for definition in vector_indexes:
                    target.query(definition)
                runs.append({"wall_s": time.monotonic() - started,
                             "postgres_cpu_s": self.postgres.seconds() - postgres_before})
        with Connection(self.admin_url) as admin:
            admin.query('DROP DATABASE IF EXISTS "ragsync_bench_limit" WITH (FORCE)')
        return {"runs": runs, "wall_s": statistics.median(run["wall_s"] for run in runs),
                "bytes": sum(len(value) for value in data.values()), "vector_indexes": len(vector_indexes)}

    def quiesce(self, timeout=180):
        """Waits until PostgreSQL has written out the benchmark's bulk loads (a checkpoint) and no autovacuum
        worker runs, so the daemon's latencies are those of a steady state, not of a commit's fsync queued
        behind hundreds of megabytes of checkpoint writes (seen: 50 ms per edit instead of 7 ms)."""
        with Connection(self.admin_url) as admin:
            admin.query("CHECKPOINT")
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                busy = int(admin.scalar(
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"))
                if busy == 0:
                    return
                time.sleep(0.5)

    # 3-7. the daemon ---------------------------------------------------------------------------------------------

    def daemon(self, content, paths):
        directory = tempfile.mkdtemp(prefix="notify-", dir=self.work)
        notify = NotifySocket(directory)
        env = self.env(content, "ragsync_bench")
        env["NOTIFY_SOCKET"] = notify.path
        listener = Connection(self.database_url("ragsync_bench"))
        listener.listen("ragsync")
        evict_from_page_cache(self.options.binary)
        stats_before = self.server.stats()
        started = time.monotonic()
        log = open(self.log, "ab")
        process = subprocess.Popen(self.ragsync("watch"), env=env, stdout=log, stderr=log)
        results = {}
        try:
            ready_at, _ = notify.wait_for(lambda m: "READY=1" in m.split("\n"), 120)
            reconciled_at, _ = notify.wait_for(lambda m: "STATUS=Watching" in m, 300)
            results["restart"] = {
                "ready_s": ready_at - started, "reconciled_s": reconciled_at - started,
                "inputs": self.server.stats()["inputs"] - stats_before["inputs"],
            }
            if results["restart"]["inputs"]:
                raise BenchFailure("the daemon's first reconcile sent %d inputs; nothing had changed"
                                   % results["restart"]["inputs"])
            live = list(paths)
            results["edits"] = self.edits(content, live, listener)
            results["deletes"] = self.deletes(content, live, listener)
            results["renames"] = self.renames(content, live, listener)
            results["commit_floor"] = self.commit_floor(listener, self.options.edits)
            results["insert_at_top"] = self.insert_at_top(content, listener)
            results["burst"] = self.burst(content, live, listener)
            results["idle"] = self.idle(process.pid)
            results["stop"] = self.stop_during_request(process, content, live)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
            listener.close()
            notify.close()
        if process.returncode != 0:
            raise BenchFailure("ragsync watch exited %d after SIGTERM; see %s" % (process.returncode, self.log))
        return results

    def stop_during_request(self, process, content, live):
        """SIGTERM while the embedding server holds a request unanswered (60 s): how long until the daemon exits.
        systemd's TimeoutStopSec is 30 s; the stop must reach the transfer in flight, not wait for its answer."""
        requests = self.server.stats()["requests"]
        self.server.fault("slow", count=1, delay_ms=60_000)
        with open(os.path.join(content, live[0]), "a") as handle:
            handle.write("\n\nA paragraph the stalled server never answers for %d.\n" % time.time_ns())
        deadline = time.monotonic() + 30
        while self.server.stats()["requests"] == requests:
            if time.monotonic() > deadline:
                raise BenchFailure("the edit before the stop test never reached the embedding server")
            time.sleep(0.01)
        time.sleep(0.2)  # the request is in flight
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        stopped = time.monotonic() - signalled
        self.server.fault("slow", count=0)
        return {"during_request_s": stopped, "exit": process.returncode}

    def wait_for_payloads(self, listener, expected, timeout=60):
        """Waits until a NOTIFY arrived for every (action, source_file) in `expected`; returns arrival times."""
        pending = set(expected)
        arrivals = {}
        deadline = time.monotonic() + timeout
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BenchFailure("%d change(s) never reached the database within %d s, e.g. %s"
                                   % (len(pending), timeout, sorted(pending)[:3]))
            for arrived, payload in listener.notifications(remaining):
                message = json.loads(payload)
                key = (message["action"], message["source_file"])
                if key in pending:
                    pending.discard(key)
                    arrivals[key] = (arrived, message)
        return arrivals

    def one_at_a_time(self, count, change, listener):
        """Applies `count` changes one after another; each returns the NOTIFY it waits for."""
        latencies, inputs = [], []
        for index in range(count):
            before = self.server.stats()["inputs"]
            started = time.monotonic()
            expected = change(index)
            arrivals = self.wait_for_payloads(listener, [expected])
            latencies.append((arrivals[expected][0] - started) * 1000)
            inputs.append(self.server.stats()["inputs"] - before)
        return summarize(latencies, inputs)

    def spread(self, live, count, offset):
        """`count` paths spread over the corpus, distinct for each kind of change."""
        step = max(len(live) // max(count, 1), 1)
        return [live[(index * step + offset) % len(live)] for index in range(count)]

    def edits(self, content, live, listener):
        targets = self.spread(live, self.options.edits, 0)

        def change(index):
            path = os.path.join(content, targets[index])
            with open(path) as handle:
                text = handle.read()
            with open(path, "w") as handle:  # an editor's plain save: truncate, write, close
                handle.write(corpus.edit_paragraph(text, seed=index))
            return ("indexed", targets[index])
        return self.one_at_a_time(len(targets), change, listener)

    def deletes(self, content, live, listener):
        targets = self.spread(live, self.options.edits, 1)

        def change(index):
            os.unlink(os.path.join(content, targets[index]))
            live.remove(targets[index])
            return ("removed", targets[index])
        return self.one_at_a_time(len(targets), change, listener)

    def renames(self, content, live, listener):
        targets = self.spread(live, self.options.edits, 2)

        def change(index):
            old = targets[index]
            new = os.path.join(os.path.dirname(old), "renamed-" + os.path.basename(old))
            os.rename(os.path.join(content, old), os.path.join(content, new))
            live[live.index(old)] = new
            return ("renamed", new)
        return self.one_at_a_time(len(targets), change, listener)

    def commit_floor(self, listener, count):
        """The floor under save -> commit, in the same run: a client's bare one-row insert, NOTIFY and commit, timed
        until the listener has the notification, as the daemon's changes are."""
        with Connection(self.database_url("ragsync_bench")) as db:
            db.query("CREATE TABLE IF NOT EXISTS ragsync_bench_floor (id integer PRIMARY KEY, body text)")
            latencies = []
            for index in range(count):
                key = ("floor", "floor-%d" % index)
                started = time.monotonic()
                db.query("BEGIN")
                db.query("INSERT INTO ragsync_bench_floor (id, body) VALUES ($1, $2)", (str(index), "x" * 100))
                db.query("SELECT pg_notify('ragsync', $1)",
                         (json.dumps({"action": key[0], "source_file": key[1]}),))
                db.query("COMMIT")
                arrivals = self.wait_for_payloads(listener, [key])
                latencies.append((arrivals[key][0] - started) * 1000)
            db.query("DROP TABLE ragsync_bench_floor")
        return summarize(latencies, [0] * count)

    def insert_at_top(self, content, listener):
        """A long document (about 20 chunks), then a paragraph inserted below its title."""
        writer = corpus.Writer(seed=7)
        path = os.path.join("long", "handbook.md")
        text = "---\ntitle: Handbook\ncategory: notes\n---\n\n# Handbook\n"
        for section in range(19):
            text += "\n## Section %d\n\n%s\n\n%s\n" % (section, writer.paragraph(), writer.paragraph())
        os.makedirs(os.path.join(content, "long"), exist_ok=True)
        with open(os.path.join(content, path), "w") as handle:
            handle.write(text)
        chunks = self.wait_until_indexed(listener, path, text)
        before = self.server.stats()["inputs"]
        edited = corpus.insert_paragraph_at_top(text, writer.paragraph())
        with open(os.path.join(content, path), "w") as handle:
            handle.write(edited)
        self.wait_until_indexed(listener, path, edited)
        return {"chunks": chunks, "inputs": self.server.stats()["inputs"] - before}

    def wait_until_indexed(self, listener, path, text, timeout=60):
        """Waits until the stored hash of `path` is that of `text` and returns its chunk count. A NOTIFY alone is not
        enough: a new folder's walk may index a file half written, and that notification arrives first."""
        digest = hashlib.sha256(text.encode()).hexdigest()
        deadline = time.monotonic() + timeout
        with Connection(self.database_url("ragsync_bench")) as db:
            while True:
                row = db.query("SELECT content_hash, chunk_count FROM ragsync_documents WHERE source_file = $1", (path,))
                if row and row[0][0] == digest:
                    return int(row[0][1])
                if time.monotonic() > deadline:
                    raise BenchFailure("%s was not indexed with its new bytes within %d s" % (path, timeout))
                list(listener.notifications(0.2))

    def burst(self, content, live, listener):
        """Rewrites up to --burst files as fast as possible (a git checkout), then waits until every one is indexed
        and compares every document's hash in the database with the file on disk."""
        targets = live[:min(self.options.burst, len(live))]
        texts = {}
        for index, path in enumerate(targets):
            with open(os.path.join(content, path)) as handle:
                texts[path] = corpus.edit_paragraph(handle.read(), seed=100000 + index)
        # The deletes shrank the corpus: new files make up the count, as a checkout adds files too.
        writer = corpus.Writer(seed=self.options.seed + 1)
        while len(texts) < self.options.burst and len(texts) < len(live) + self.options.edits:
            path = os.path.join("burst", "new-%05d.md" % len(texts))
            texts[path] = writer.document(len(texts))
            targets.append(path)
        os.makedirs(os.path.join(content, "burst"), exist_ok=True)
        before = self.server.stats()["inputs"]
        started = time.monotonic()
        for path in targets:
            with open(os.path.join(content, path), "w") as handle:
                handle.write(texts[path])
        written = time.monotonic() - started
        arrivals = self.wait_for_payloads(listener, [("indexed", path) for path in targets], timeout=600)
        done = max(arrived for arrived, _ in arrivals.values()) - started
        mismatches = self.compare_with_disk(content)
        if mismatches:
            raise BenchFailure("after the burst the database differs from the disk for %d files, e.g. %s"
                               % (len(mismatches), mismatches[:3]))
        return {"files": len(targets), "write_s": written, "until_matching_s": done,
                "inputs": self.server.stats()["inputs"] - before, "mismatches": 0}

    def compare_with_disk(self, content):
        on_disk = {}
        for folder, _, names in os.walk(content):
            for name in names:
                if name.endswith(".md"):
                    full = os.path.join(folder, name)
                    with open(full, "rb") as handle:
                        on_disk[os.path.relpath(full, content)] = hashlib.sha256(handle.read()).hexdigest()
        with Connection(self.database_url("ragsync_bench")) as db:
            stored = dict(db.query("SELECT source_file, content_hash FROM ragsync_documents"))
        return sorted(path for path in set(on_disk) | set(stored) if on_disk.get(path) != stored.get(path))

    def idle(self, pid):
        time.sleep(2)  # the last pass's index upkeep and STATUS settle
        cpu_before, switches_before = proc_cpu(pid), context_switches(pid)
        rss_before = int(proc_status(pid)["VmRSS"].split()[0]) / 1024
        time.sleep(self.options.idle_seconds)
        cpu = proc_cpu(pid) - cpu_before
        status = proc_status(pid)
        minutes = self.options.idle_seconds / 60
        return {
            "seconds": self.options.idle_seconds, "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
            "rss_start_mb": rss_before, "rss_anon_mb": int(status["RssAnon"].split()[0]) / 1024,
            "cpu_s_per_min": cpu / minutes,
            "wakeups_per_min": wakeups_between(switches_before, context_switches(pid)) / minutes,
        }

    # the local model (all-MiniLM-L6-v2 in-process) ---------------------------------------------------------------

    def local_model(self):
        """Chunks per second for 256-wordpiece chunks, one per call and batched, and the sample content indexed
        from scratch with the local model. Process start and model load are measured once and subtracted."""
        writer = corpus.Writer(seed=3)
        # 300 generated words are well over 256 wordpieces: the model truncates each text to exactly 256.
        texts = [" ".join(writer.rng.choice(writer.words) for _ in range(300)) for _ in range(self.options.local_texts)]
        env = self.env(os.path.join(ROOT, "content"), "ragsync_bench_local")
        env["RAGSYNC_EMBEDDER"] = "local"
        for key in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
            env.pop(key, None)

        def embed(inputs, *flags):
            path = os.path.join(self.work, "texts.txt")
            with open(path, "w") as handle:
                handle.write("\n".join(inputs) + "\n")
            started = time.monotonic()
            with open(path) as stdin:
                done = subprocess.run(self.ragsync("embed", *flags), env=env, cwd=ROOT, stdin=stdin,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if done.returncode != 0:
                raise BenchFailure("ragsync embed with the local model failed: %s" % done.stderr.decode()[-500:])
            return time.monotonic() - started
        start_up = statistics.median(embed(texts[:1]) for _ in range(3))
        single = embed(texts, "--one-at-a-time") - start_up
        batched = embed(texts) - start_up
        self.recreate("ragsync_bench_local")
        content = os.path.join(ROOT, "content")
        if run_measured(self.ragsync("migrate"), env, self.log)["exit"] != 0:
            raise BenchFailure("ragsync migrate for the local model failed; see %s" % self.log)
        index = run_measured(self.ragsync("sync"), env, self.log)
        if index["exit"] != 0:
            raise BenchFailure("indexing %s with the local model failed; see %s" % (content, self.log))
        return {
            "texts": len(texts), "start_up_s": start_up,
            "single_chunks_per_s": len(texts) / max(single, 1e-9),
            "batched_chunks_per_s": len(texts) / max(batched, 1e-9),
            "sample_content_index_s": index["wall_s"], "sample_content_peak_rss_mb": index["peak_rss_mb"],
        }

    # the whole run -----------------------------------------------------------------------------------------------

    def size(self, files):
        content = os.path.join(self.work, "corpus-%d" % files)
        shutil.rmtree(content, ignore_errors=True)
        paths, total = corpus.write_corpus(content, files, seed=self.options.seed)
        megabytes = total / 1e6
        print("bench: %d files, %.1f MB" % (files, megabytes), flush=True)
        result = {"files": files, "megabytes": megabytes}
        result["cold"] = self.cold_index(content, files, megabytes)
        print("bench:   cold index %.2f s" % result["cold"]["wall_s"], flush=True)
        result["limit"] = self.copy_limit(content)
        result["limit"]["ratio"] = result["cold"]["wall_s"] / result["limit"]["wall_s"]
        result["unchanged"] = self.unchanged_sync(content)
        self.quiesce()
        # After the quiesce: a web host queries a settled database, not one autovacuum is still going through.
        result["queries"] = self.query_latency()
        result.update(self.daemon(content, sorted(paths)))
        return result

    def run(self):
        results = {
            "machine": {"cpus": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version()},
            "settings": {key: value for key, value in vars(self.options).items() if key not in ("work",)},
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "sizes": [],
        }
        try:
            for files in self.options.sizes:
                results["sizes"].append(self.size(files))
            if self.options.local_texts:
                results["local_model"] = self.local_model()
            if self.options.pathological:
                results["pathological"] = self.pathological()
        finally:
            self.server.stop()
            for name in ("ragsync_bench_limit", "ragsync_bench_local", "ragsync_bench_pathological") + (
                    () if self.options.keep else ("ragsync_bench",)):
                with Connection(self.admin_url) as admin:
                    admin.query('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        sizes = results["sizes"]
        if len(sizes) > 1:
            first, last = sizes[0], sizes[-1]
            results["scaling"] = {
                "files": last["files"] / first["files"],
                "cold_wall": last["cold"]["wall_s"] / first["cold"]["wall_s"],
                "peak_rss": last["cold"]["peak_rss_mb"] / first["cold"]["peak_rss_mb"],
            }
        return results


def run_and_report(name, options, make_runner, measure, table, as_json, scratch_prefix):
    """Runs one benchmark with its own embedding server and scratch folder, prints its table and writes its JSON to
    options.out; exits with the failure, keeping the scratch folder and logs, when ragsync got something wrong."""
    options.work = tempfile.mkdtemp(prefix=scratch_prefix)
    try:
        runner = make_runner(options)
        try:
            results = measure(runner)
        finally:
            runner.server.stop()
    except BenchFailure as failure:
        sys.exit("%s: FAILED: %s (scratch and logs kept in %s)" % (name, failure, options.work))
    printed = table(results)
    with open(options.out, "w") as handle:
        json.dump(as_json(results, printed), handle, indent=2)
    print(printed)
    print("%s: figures written to %s" % (name, os.path.relpath(options.out)))
    shutil.rmtree(options.work, ignore_errors=True)


def summarize(latencies, inputs):
    ordered = sorted(latencies)
    return {
        "count": len(ordered), "p50_ms": percentile(ordered, 50), "p95_ms": percentile(ordered, 95),
        "max_ms": ordered[-1], "inputs_per_change": statistics.mean(inputs), "inputs_max": max(inputs),
    }


def percentile(ordered, p):
    """Nearest-rank percentile of sorted values."""
    rank = max(1, -(-p * len(ordered) // 100))
    return ordered[int(rank) - 1]


def table(results):
    sizes = results["sizes"]
    header = "| | " + " | ".join("%d files (%.1f MB)" % (s["files"], s["megabytes"]) for s in sizes) + " |"
    lines = [header, "|---" * (len(sizes) + 1) + "|"]

    def row(label, render):
        lines.append("| %s | %s |" % (label, " | ".join(render(s) for s in sizes)))

    row("cold index: wall", lambda s: "%.2f s (%.0f docs/s, %.0f chunks/s, %.1f MB/s)" % (
        s["cold"]["wall_s"], s["cold"]["documents_per_s"], s["cold"]["chunks_per_s"], s["cold"]["mb_per_s"]))
    row("cold index: of which vector index build + recall tuning", lambda s: "%.2f s" % s["cold"]["index_upkeep_s"])
    row("cold index: CPU ragsync / PostgreSQL", lambda s: "%.2f s / %.2f s" % (
        s["cold"]["cpu_s"], s["cold"]["postgres_cpu_s"]))
    row("cold index: peak RSS", lambda s: "%.1f MB" % s["cold"]["peak_rss_mb"])
    row("cold index: chunks, requests, inputs", lambda s: "%d, %d, %d" % (
        s["cold"]["chunks"], s["cold"]["requests"], s["cold"]["inputs"]))
    row("limit: COPY BINARY of the same rows", lambda s: "%.2f s (ragsync %.2fx)" % (
        s["limit"]["wall_s"], s["limit"]["ratio"]))
    row("sync, nothing changed", lambda s: "%.3f s, %d inputs" % (s["unchanged"]["wall_s"], s["unchanged"]["inputs"]))
    row("query p50 / p90: vector; hybrid; hybrid with common words", lambda s: (
        "%.1f / %.1f ms; %.1f / %.1f ms; %.1f / %.1f ms (%s)" % (
            s["queries"]["match_document_chunks"]["p50_ms"], s["queries"]["match_document_chunks"]["p90_ms"],
            s["queries"]["hybrid_search_document_chunks"]["p50_ms"],
            s["queries"]["hybrid_search_document_chunks"]["p90_ms"],
            s["queries"]["hybrid_common_words"]["p50_ms"], s["queries"]["hybrid_common_words"]["p90_ms"],
            s["queries"]["index"])))
    row("daemon restart: READY=1 / reconciled", lambda s: "%.3f s / %.3f s" % (
        s["restart"]["ready_s"], s["restart"]["reconciled_s"]))
    for kind in ("edits", "deletes", "renames"):
        row("%s: save -> commit p50 / p95 / max" % kind, lambda s, k=kind: "%.1f / %.1f / %.1f ms (%d)" % (
            s[k]["p50_ms"], s[k]["p95_ms"], s[k]["max_ms"], s[k]["count"]))
    row("floor: bare insert + NOTIFY + commit p50 / p95", lambda s: "%.1f / %.1f ms (edits %.1fx the floor)" % (
        s["commit_floor"]["p50_ms"], s["commit_floor"]["p95_ms"],
        s["edits"]["p50_ms"] / max(s["commit_floor"]["p50_ms"], 0.001)))
    row("edit: inputs per edit (mean, max)", lambda s: "%.2f, %d" % (
        s["edits"]["inputs_per_change"], s["edits"]["inputs_max"]))
    row("insert at top: inputs / chunks", lambda s: "%d / %d" % (s["insert_at_top"]["inputs"],
                                                                 s["insert_at_top"]["chunks"]))
    row("burst: files rewritten -> DB matches disk", lambda s: "%d in %.2f s -> %.2f s, %d mismatches" % (
        s["burst"]["files"], s["burst"]["write_s"], s["burst"]["until_matching_s"], s["burst"]["mismatches"]))
    row("stop (SIGTERM) during a stalled embedding request", lambda s: "exit %d after %.3f s" % (
        s["stop"]["exit"], s["stop"]["during_request_s"]))
    row("idle: RSS, CPU, wake-ups", lambda s: "%.1f MB, %.3f CPU-s/min, %.0f/min" % (
        s["idle"]["rss_mb"], s["idle"]["cpu_s_per_min"], s["idle"]["wakeups_per_min"]))
    if "local_model" in results:
        local = results["local_model"]
        lines.append("")
        lines.append("local model (all-MiniLM-L6-v2, 256-wordpiece chunks): %.1f chunks/s one per call, %.1f batched; "
                     "./content indexed from scratch in %.2f s (start-up and model load %.2f s)" % (
                         local["single_chunks_per_s"], local["batched_chunks_per_s"],
                         local["sample_content_index_s"], local["start_up_s"]))
    if "pathological" in results:
        lines.append("")
        lines.append("pathological files, each alone (bytes, chunks, time, peak RSS):")
        for name, figures in results["pathological"].items():
            lines.append("  %s: %.1f MB, %d chunks, %.2f s, %.1f MB" % (
                name, figures["bytes"] / 1e6, figures["chunks"], figures["wall_s"], figures["peak_rss_mb"]))
    if "scaling" in results:
        scaling = results["scaling"]
        lines.append("")
        lines.append("scaling %.0fx files: cold index %.2fx time, %.2fx peak RSS" % (
            scaling["files"], scaling["cold_wall"], scaling["peak_rss"]))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "ragsync"))
    parser.add_argument("--sizes", default="1000,5000", help="corpus sizes in files, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="runs of the cold index, limit and unchanged sync")
    parser.add_argument("--edits", type=int, default=50, help="edits, deletes and renames each")
    parser.add_argument("--burst", type=int, default=1000, help="files rewritten at once")
    parser.add_argument("--idle-seconds", type=float, default=60)
    parser.add_argument("--latency-ms", type=int, default=0, help="the embedding server's added latency")
    parser.add_argument("--no-pathological", dest="pathological", action="store_false",
                        help="skip the pathological files (one document's memory)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the database ragsync_bench (the last size's corpus) for inspection")
    parser.add_argument("--local-texts", type=int, default=64,
                        help="256-wordpiece texts for the local model's speed (0 skips the local model)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--log-level", default="info", help="ragsync's log level (its log is in the scratch folder)")
    parser.add_argument("--data-dir", default=os.environ.get("RAGSYNC_DATA_DIR", os.path.join(ROOT, ".data")))
    parser.add_argument("--work", default=None, help="scratch folder (default: a new temporary one)")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results.json"))
    options = parser.parse_args()
    options.sizes = [int(size) for size in options.sizes.split(",")]
    options.binary = os.path.abspath(options.binary)
    if not os.access(options.binary, os.X_OK):
        sys.exit("bench: %s is not an executable; build it first (make bench does)" % options.binary)
    created_work = options.work is None
    options.work = options.work or tempfile.mkdtemp(prefix="ragsync-bench-")
    os.makedirs(options.work, exist_ok=True)
    try:
        results = Bench(options).run()
    except BenchFailure as failure:
        sys.exit("bench: FAILED: %s (scratch and ragsync's log kept in %s)" % (failure, options.work))
    results["table"] = table(results)
    with open(options.out, "w") as handle:
        json.dump(results, handle, indent=2)
    print(results["table"])
    print("bench: figures written to %s" % os.path.relpath(options.out))
    if created_work:
        shutil.rmtree(options.work, ignore_errors=True)


if __name__ == "__main__":
    main()
