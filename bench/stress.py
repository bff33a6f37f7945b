#!/usr/bin/env python3
"""Randomized workload on the real daemon: `ragsync watch` on a real folder while a seeded mix of file operations,
embedding-server faults, PostgreSQL restarts and SIGHUPs hits it; after every round the daemon's database must equal
a clean `ragsync sync` of the same tree, the daemon must still run, and its memory must stay flat.

    python3 bench/stress.py --binary .build/debug/ragsync [--minutes 20] [--rounds N] [--ops-per-round 200]
                            [--seed S] [--no-restarts]

Prints the seed first; `--seed S` replays a run's operations (timing still varies). Exit 1 on the first divergence,
with the paths that differ and the daemon's log. Needs the embedded PostgreSQL (`scripts/db.sh start`); with
restarts on, it stops that server as a crash would and starts it again, so run it alone.
"""

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import EmbeddingServer, NotifySocket, ROOT  # noqa: E402
from pgclient import Connection  # noqa: E402
import json  # noqa: E402
import urllib.request  # noqa: E402
import urllib.parse  # noqa: E402


class StressFailure(Exception):
    pass


def db_script(*arguments):
    return subprocess.run(["bash", os.path.join(ROOT, "scripts", "db.sh"), *arguments], check=True,
                          capture_output=True, text=True).stdout.strip()


def fingerprint(url):
    """What a reader of the origin tables sees, and ragsync's record: documents with their hashes, chunks with their
    position and text, and chunks without an embedding."""
    with Connection(url) as db:
        documents = {row[0]: row[1] for row in db.query(
            "SELECT source_file, content_hash FROM ragsync_documents WHERE content_hash IS NOT NULL")}
        chunks = sorted(tuple(row) for row in db.query(
            "SELECT source_file, chunk_index::text, md5(content) FROM document_chunks"))
        unembedded = int(db.scalar(
            "SELECT count(*) FROM document_chunks c "
            "WHERE NOT EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = c.chunk_id)"))
    return {"documents": documents, "chunks": chunks, "unembedded": unembedded}


def differences(actual, expected):
    lines = []
    for path in sorted(set(actual["documents"]) | set(expected["documents"])):
        if actual["documents"].get(path) != expected["documents"].get(path):
            lines.append("  %s: daemon %s, clean sync %s" % (
                path, (actual["documents"].get(path) or "absent")[:12], (expected["documents"].get(path) or "absent")[:12]))
    if actual["chunks"] != expected["chunks"]:
        lines.append("  chunks: daemon %d rows, clean sync %d rows" % (len(actual["chunks"]), len(expected["chunks"])))
    if actual["unembedded"]:
        lines.append("  %d chunk(s) without an embedding" % actual["unembedded"])
    return lines


class Workload:
    """Seeded file operations on a real content folder; `outside` holds folders moved out and link targets."""

    def __init__(self, content, outside, rng):
        self.content, self.outside, self.rng = content, outside, rng
        self.counter = 0
        self.locked = []  # files made unreadable this round (restored before the check)
        self.words = ("index daemon vector query chunk embedding folder save editor rename journal status "
                      "watch pass batch commit model server retry outage settle queue tree link").split()

    def path(self, relative):
        return os.path.join(self.content, relative)

    def files(self):
        found = []
        for folder, _, names in os.walk(self.content):
            found += [os.path.relpath(os.path.join(folder, name), self.content) for name in names if name.endswith(".md")]
        return sorted(found)

    def folders(self):
        return sorted(os.path.relpath(folder, self.content) for folder, _, _ in os.walk(self.content)
                      if folder != self.content)

    def text(self):
        self.counter += 1
        sections = []
        for section in range(self.rng.randint(1, 4)):
            paragraphs = [" ".join(self.rng.choice(self.words) for _ in range(self.rng.randint(8, 60))) + "."
                          for _ in range(self.rng.randint(1, 5))]
            sections.append("## Part %d\n\n%s" % (section, "\n\n".join(paragraphs)))
        return "---\ntitle: Note %d\ncategory: c%d\n---\n# Note %d\n\n%s\n" % (
            self.counter, self.rng.randint(0, 2), self.counter, "\n\n".join(sections))

    def write(self, relative, text):
        os.makedirs(os.path.dirname(self.path(relative)) or self.content, exist_ok=True)
        with open(self.path(relative), "w") as handle:
            handle.write(text)

    def new_name(self, folder=""):
        self.counter += 1
        return os.path.join(folder, "n%d.md" % self.counter)

    def pick(self, items):
        return self.rng.choice(items) if items else None

    def step(self):
        """One operation; returns its name."""
        files, folders = self.files(), self.folders()
        choice = self.rng.random()
        target = self.pick(files)
        if choice < 0.20 or target is None:
            self.write(self.new_name(self.pick([""] + folders) or ""), self.text())
            return "create"
        if choice < 0.32:
            self.write(target, self.text())
            return "edit"
        if choice < 0.40:
            temporary = self.path(target) + ".tmp~"
            with open(temporary, "w") as handle:
                handle.write(self.text())
            os.replace(temporary, self.path(target))
            return "atomic save"
        if choice < 0.46:
            # vim: the old file renamed to a backup, the new one written, the backup deleted.
            backup = self.path(target) + "~"
            os.rename(self.path(target), backup)
            self.write(target, self.text())
            os.unlink(backup)
            return "vim save"
        if choice < 0.50:
            with open(self.path(target), "w") as handle:
                handle.flush()
                os.fsync(handle.fileno())
                handle.write(self.text())
            return "truncate then write"
        if choice < 0.57:
            destination = self.new_name(self.pick([""] + folders) or "")
            os.makedirs(os.path.dirname(self.path(destination)) or self.content, exist_ok=True)
            os.rename(self.path(target), self.path(destination))
            return "rename file"
        if choice < 0.62:
            os.unlink(self.path(target))
            return "delete"
        if choice < 0.68:
            # mkdir -p and files at once
            self.counter += 1
            base = os.path.join("p%d" % self.counter, "q", "r")
            for _ in range(self.rng.randint(1, 5)):
                self.write(self.new_name(base), self.text())
            return "mkdir -p + files"
        if choice < 0.74 and folders:
            folder = self.pick(folders)
            into = self.pick([f for f in folders if f != folder and not f.startswith(folder + "/")] + [""])
            self.counter += 1
            destination = os.path.join(into, "m%d" % self.counter)
            os.rename(self.path(folder), self.path(destination))
            return "move folder"
        if choice < 0.79 and folders:
            # Out of the tree, then (sometimes at once) a folder into the one just moved back in: nested moves.
            folder = self.pick(folders)
            self.counter += 1
            parked = os.path.join(self.outside, "x%d" % self.counter)
            os.rename(self.path(folder), parked)
            if self.rng.random() < 0.5:
                back = "back%d" % self.counter
                os.rename(parked, self.path(back))
                others = [f for f in self.folders() if not f.startswith(back)]
                if others:
                    time.sleep(0.05)
                    os.rename(self.path(self.pick(others)), self.path(os.path.join(back, "inner%d" % self.counter)))
            return "move folder out/in"
        if choice < 0.82 and folders:
            shutil.rmtree(self.path(self.pick(folders)))
            return "rm -r"
        if choice < 0.86:
            # A link out of the tree: never followed. (Links inside the tree are left out: an edit of a linked file
            # reaches the link's document only at the next full reconcile, as inotify reports the target's path.)
            self.counter += 1
            outside_file = os.path.join(self.outside, "ext%d.md" % self.counter)
            with open(outside_file, "w") as handle:
                handle.write(self.text())
            os.symlink(outside_file, self.path("outlink%d.md" % self.counter))
            return "symlink out"
        if choice < 0.89:
            os.chmod(self.path(target), 0)
            self.locked.append(target)
            return "chmod 000"
        # A git checkout: many files rewritten as fast as possible.
        for path in files[:self.rng.randint(5, 40)]:
            self.write(path, self.text())
        return "checkout burst"

    def unlock(self):
        for relative in self.locked:
            try:
                os.chmod(self.path(relative), 0o644)
            except FileNotFoundError:
                pass
        self.locked = []


class Stress:
    def __init__(self, options):
        self.options = options
        self.rng = random.Random(options.seed)
        self.work = tempfile.mkdtemp(prefix="ragsync-stress-")
        self.content = os.path.join(self.work, "content")
        self.outside = os.path.join(self.work, "outside")
        os.makedirs(self.content)
        os.makedirs(self.outside)
        self.admin_url = db_script("url")
        self.server = EmbeddingServer(0)
        self.notify = NotifySocket(self.work)
        self.log_path = os.path.join(self.work, "daemon.log")
        self.workload = Workload(self.content, self.outside, self.rng)
        self.figures = {"operations": 0, "rounds": 0, "faults": {}, "restarts": 0, "reloads": 0, "rss_mb": []}

    def database_url(self, name):
        parts = urllib.parse.urlsplit(self.admin_url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + name))

    def recreate(self, name):
        with Connection(self.admin_url) as admin:
            admin.query("SET client_min_messages TO warning")
            admin.query('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
            admin.query('CREATE DATABASE "%s"' % name)

    def env(self, database, notify=False):
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("RAGSYNC_", "OPENAI_", "NOTIFY_SOCKET", "WATCHDOG_", "JOURNAL_STREAM"))}
        env.update({
            "DATABASE_URL": self.database_url(database), "OPENAI_BASE_URL": self.server.url + "/v1",
            "RAGSYNC_CONTENT_DIR": self.content, "RAGSYNC_EMBEDDER": "openai", "RAGSYNC_LOG_LEVEL": "notice",
            "RAGSYNC_EMBEDDING_TIMEOUT": "3", "RAGSYNC_EMBEDDING_RETRIES": "2", "RAGSYNC_EMBEDDING_DIMENSIONS": "256",
            "RAGSYNC_MAX_DELETE": "all",  # rm -r of most of a small tree is part of the workload
        })
        if notify:
            env["NOTIFY_SOCKET"] = self.notify.path
            # The daemon holds three vectors at most: a batch of more stages them in the database, crashes included,
            # and the clean sync it is compared with holds them all.
            env["RAGSYNC_MAX_HELD_VECTOR_BYTES"] = str(3 * 256 * 4)
        return env

    def fault(self, body):
        request = urllib.request.Request(self.server.url + "/_faults", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        urllib.request.urlopen(request).read()
        self.figures["faults"][body["mode"]] = self.figures["faults"].get(body["mode"], 0) + 1

    def clean_fingerprint(self):
        """A clean `ragsync sync` of the tree as it is now, into a database of its own, with no fault left pending
        on the embedding server (a fault meant for the daemon would make the reference itself incomplete)."""
        request = urllib.request.Request(self.server.url + "/_reset", data=b"{}",
                                         headers={"Content-Type": "application/json"}, method="POST")
        urllib.request.urlopen(request).read()
        self.recreate("ragsync_stress_ref")
        for command in (["migrate"], ["sync"]):
            done = subprocess.run([self.options.binary, *command], env=self.env("ragsync_stress_ref"),
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise StressFailure("clean `ragsync %s` exited %d: %s" % (command[0], done.returncode, done.stderr[-2000:]))
        return fingerprint(self.database_url("ragsync_stress_ref"))

    def rss_mb(self, pid):
        with open("/proc/%d/status" % pid) as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def run(self):
        print("stress: seed %d (replay with --seed %d); work in %s" % (self.options.seed, self.options.seed, self.work))
        self.recreate("ragsync_stress")
        subprocess.run([self.options.binary, "migrate"], env=self.env("ragsync_stress"), check=True, capture_output=True)
        for _ in range(20):
            self.workload.write(self.workload.new_name(self.rng.choice(["", "a", "a/b"])), self.workload.text())
        log = open(self.log_path, "w")
        daemon = subprocess.Popen([self.options.binary, "watch"], env=self.env("ragsync_stress", notify=True),
                                  stdout=log, stderr=subprocess.STDOUT)
        started = time.monotonic()
        deadline = started + self.options.minutes * 60
        try:
            self.notify.wait_for(lambda message: "READY=1" in message, 60)
            round_number = 0
            while (round_number < self.options.rounds if self.options.rounds else time.monotonic() < deadline):
                round_number += 1
                self.round(daemon, round_number)
            elapsed = time.monotonic() - started
            rss = self.figures["rss_mb"]
            print("stress: %d rounds, %d operations in %.0f s (%.1f/s); faults %s; %d PostgreSQL restarts; %d reloads; "
                  "daemon RSS %.1f MB after the first round, %.1f MB after the last (max %.1f)" % (
                      self.figures["rounds"], self.figures["operations"], elapsed,
                      self.figures["operations"] / max(elapsed, 1), self.figures["faults"], self.figures["restarts"],
                      self.figures["reloads"], rss[0], rss[-1], max(rss)))
            if len(rss) >= 3 and rss[-1] > rss[0] * 1.5 + 10:
                raise StressFailure("memory grew: %.1f MB after the first round, %.1f MB after the last" % (rss[0], rss[-1]))
        finally:
            if daemon.poll() is None:
                daemon.send_signal(signal.SIGTERM)
                try:
                    daemon.wait(30)
                except subprocess.TimeoutExpired:
                    daemon.kill()
            log.close()
            self.server.stop()
            self.notify.close()
        if daemon.returncode not in (0, None):
            raise StressFailure("the daemon exited %s at the end" % daemon.returncode)
        shutil.rmtree(self.work, ignore_errors=True)

    def round(self, daemon, number):
        operations = {}
        restart_at = self.rng.randrange(self.options.ops_per_round) if self.options.restarts and self.rng.random() < 0.3 else -1
        reload_at = self.rng.randrange(self.options.ops_per_round) if self.rng.random() < 0.4 else -1
        for index in range(self.options.ops_per_round):
            if self.rng.random() < 0.03:
                mode = self.rng.choice(["429", "500", "slow", "hang"])
                if mode == "hang":
                    self.fault({"mode": "slow", "count": 1, "delay_ms": 5000})  # past the 3 s request timeout
                    self.figures["faults"]["hang"] = self.figures["faults"].get("hang", 0) + 1
                elif mode == "slow":
                    self.fault({"mode": "slow", "count": self.rng.randint(1, 5), "delay_ms": self.rng.randint(0, 1000)})
                else:
                    self.fault({"mode": mode, "count": self.rng.randint(1, 3), "retry_after": 1})
            if index == restart_at:
                db_script("crash")
                time.sleep(self.rng.uniform(0.1, 1.0))
                db_script("start")
                self.figures["restarts"] += 1
            if index == reload_at:
                daemon.send_signal(signal.SIGHUP)
                self.figures["reloads"] += 1
            name = self.workload.step()
            operations[name] = operations.get(name, 0) + 1
            self.figures["operations"] += 1
            time.sleep(self.rng.choice([0, 0, 0.001, 0.01, 0.05]))
            if daemon.poll() is not None:
                raise StressFailure("the daemon exited %d during round %d; log: %s" % (daemon.returncode, number, self.log_path))
        self.workload.unlock()
        expected = self.clean_fingerprint()
        deadline = time.monotonic() + self.options.settle_seconds
        while True:
            actual = fingerprint(self.database_url("ragsync_stress"))
            if actual == expected:
                break
            if daemon.poll() is not None:
                raise StressFailure("the daemon exited %d after round %d; log: %s" % (daemon.returncode, number, self.log_path))
            if time.monotonic() > deadline:
                raise StressFailure("round %d: after %d s the daemon's database still differs from a clean sync:\n%s\n"
                                    "operations: %s\nlog: %s" % (number, self.options.settle_seconds,
                                                                 "\n".join(differences(actual, expected)[:20]),
                                                                 operations, self.log_path))
            time.sleep(0.25)
        self.figures["rounds"] += 1
        self.figures["rss_mb"].append(self.rss_mb(daemon.pid))
        print("stress: round %d clean (%d files; %s)" % (number, len(self.workload.files()), operations), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "ragsync"))
    parser.add_argument("--minutes", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=0, help="run this many rounds instead of --minutes")
    parser.add_argument("--ops-per-round", type=int, default=200)
    parser.add_argument("--settle-seconds", type=int, default=180,
                        help="how long the daemon may take to catch up after a round (outage backoff included)")
    parser.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(4), "little"))
    parser.add_argument("--no-restarts", dest="restarts", action="store_false")
    options = parser.parse_args()
    try:
        Stress(options).run()
    except StressFailure as failure:
        print("stress: FAILED (seed %d): %s" % (options.seed, failure), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
