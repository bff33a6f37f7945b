#!/usr/bin/env python3
# ragsync — writes the release link's function order (scripts/link-order.txt) from a profiled run.
"""Runs the release binary under valgrind's callgrind through what an installed ragsync does (migrate, a cold sync,
then `ragsync watch` through edits, a new file, a deletion, renames, a file that fails, a burst of rewrites and new
files, an insert at the top, SIGHUP, idle and SIGTERM)
and lists every function of the binary that ran, in mangled form, one per line.

The release link (SWIFT_RELEASE_FLAGS in the Makefile) hands that list to lld's --symbol-ordering-file, which
lays those functions out side by side at the start of .text. An idle daemon otherwise keeps 64 KB windows of
code resident all over the 20 MB text for the few functions it touched in each; together they take a third of
the pages. lld moves whole input sections, so the release build compiles ragsync and its packages with one section
per function; given the link's map (--map), functions that share a large section with others (the toolchain's C
objects, part of the standard library) are listed last. Functions added since the list was written are laid out
after it and still work: the list is a layout hint, never a correctness input. Regenerate it after larger changes
with `make link-order`.

    python3 bench/link_order.py --binary .build/release/ragsync [--map MAP] --database-url URL --out scripts/link-order.txt
"""

import argparse
import collections
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
from bench import EmbeddingServer, NotifySocket, environment_without_settings, recreate_database  # noqa: E402


class Profiler:
    def __init__(self, binary, work):
        # valgrind 3.19 (Debian 12) cannot read the DWARF 5 the toolchain writes; the symbol table is all it needs.
        self.binary = os.path.join(work, "ragsync")
        subprocess.run(["objcopy", "--strip-debug", binary, self.binary], check=True)
        self.work = work
        self.runs = 0

    def argv(self, *arguments):
        self.runs += 1
        out = os.path.join(self.work, "callgrind.%d.out" % self.runs)
        return ["valgrind", "--tool=callgrind", "--compress-strings=no", "--compress-pos=no",
                "--callgrind-out-file=" + out, self.binary, *arguments]

    def run(self, env, *arguments):
        with open(os.path.join(self.work, "ragsync.log"), "ab") as log:
            result = subprocess.run(self.argv(*arguments), env=env, stdout=log, stderr=log)
        if result.returncode != 0:
            sys.exit("link_order: `ragsync %s` failed under valgrind; see %s/ragsync.log"
                     % (" ".join(arguments), self.work))

    def functions(self):
        """Every function of the binary that ran, mangled, sorted: the set is what keeps code resident, and a sorted
        list changes in review only where the set did (callgrind lists functions in a different order each run)."""
        nm = subprocess.run(["nm", "--defined-only", self.binary], capture_output=True, text=True, check=True)
        mangled = sorted({line.split()[-1] for line in nm.stdout.splitlines() if len(line.split()) == 3})
        demangled = subprocess.run(["c++filt"], input="\n".join(mangled), capture_output=True, text=True,
                                   check=True).stdout.split("\n")
        by_demangled = collections.defaultdict(list)
        for name, readable in zip(mangled, demangled):
            by_demangled[readable].append(name)  # callgrind prints C++ names demangled, Swift names as they are
        known = set(mangled)
        ran = set()
        for profile in sorted(glob.glob(os.path.join(self.work, "callgrind.*.out")),
                              key=lambda path: int(path.split(".")[-2])):
            current_object = None
            with open(profile, errors="replace") as handle:
                for line in handle:
                    if line.startswith("ob="):
                        current_object = line[3:].strip()
                    elif line.startswith("fn=") and current_object == self.binary:
                        name = re.sub(r"'\d+$", "", line[3:].strip())  # callgrind's recursion-depth suffix
                        ran.update([name] if name in known else by_demangled.get(name, []))
        return sorted(ran)


def daemon_workload(profiler, env, content, paths, work):
    notify = NotifySocket(work)
    env = dict(env, NOTIFY_SOCKET=notify.path)
    log = open(os.path.join(work, "ragsync.log"), "ab")
    process = subprocess.Popen(profiler.argv("watch"), env=env, stdout=log, stderr=log)
    seen = [0]

    def settled(expect=lambda message: True, timeout=300):
        """Waits for a fresh STATUS with an empty queue for which `expect` holds."""
        deadline = time.monotonic() + timeout
        with notify.arrived:
            while True:
                for index in range(seen[0], len(notify.messages)):
                    message = notify.messages[index][1]
                    if "STATUS=Watching" in message and "queue 0" in message and expect(message):
                        seen[0] = index + 1
                        return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    sys.exit("link_order: the profiled daemon did not settle; see %s/ragsync.log" % work)
                notify.arrived.wait(remaining)

    def naming(path):
        return lambda message: path in message

    try:
        settled()
        first = paths[0]
        folder = os.path.dirname(first)
        for round_number in range(3):
            with open(os.path.join(content, first), "a") as handle:
                handle.write("\nAn added paragraph, round %d, about actors and structured concurrency.\n"
                             % round_number)
            settled(naming(first))
        new = os.path.join(folder, "profile-new.md")
        with open(os.path.join(content, new), "w") as handle:
            handle.write("---\ntitle: New\ncategory: project\ntags: [a, b]\ndate: 2024-05-01\n---\n\n# New\n\n"
                         "Body with a [link](https://example.com), **bold** and a table.\n\n"
                         "| a | b |\n|---|---|\n| 1 | 2 |\n")
        settled(naming(new))
        renamed = os.path.join(folder, "profile-renamed.md")
        os.rename(os.path.join(content, new), os.path.join(content, renamed))
        settled(naming(renamed))
        os.remove(os.path.join(content, renamed))
        settled(naming(renamed))
        broken = os.path.join(folder, "profile-broken.md")
        with open(os.path.join(content, broken), "w") as handle:
            handle.write("---\ntitle: [unclosed\n---\nbody\n")
        settled(lambda message: "failed" in message)
        os.remove(os.path.join(content, broken))
        settled(lambda message: "failed" not in message)
        moved = os.path.dirname(paths[-1]) + "-moved"
        os.rename(os.path.join(content, os.path.dirname(paths[-1])), os.path.join(content, moved))
        settled(naming(moved))
        # A burst, as `make bench` rewrites 1,000 files at once and adds new ones in a new folder: a pass of several
        # batches inside the daemon (its two writer connections, the vacuum, the frequent words and the vector index
        # check that follow).
        burst = [path for path in paths[1:-1] if os.path.exists(os.path.join(content, path))][:BURST_FILES]
        for index, path in enumerate(burst):
            with open(os.path.join(content, path)) as handle:
                text = corpus.edit_paragraph(handle.read(), seed=100000 + index)
            with open(os.path.join(content, path), "w") as handle:
                handle.write(text)
        os.makedirs(os.path.join(content, "burst"))
        writer = corpus.Writer(seed=43)
        for index in range(BURST_FILES // 4):
            with open(os.path.join(content, "burst", "new-%05d.md" % index), "w") as handle:
                handle.write(writer.document(index))
        settled(lambda message: "queue 0" in message)
        with open(os.path.join(content, burst[0]), "r+") as handle:
            text = handle.read()
            handle.seek(0)
            handle.write("A lead paragraph inserted at the top.\n\n" + text)
        settled(naming(burst[0]))
        process.send_signal(signal.SIGHUP)
        settled(lambda message: True)
        time.sleep(15)  # idle: watchdog and timers
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
        log.close()
        notify.close()


# Files the daemon's burst rewrites: two batches and more (a batch holds 35 documents).
BURST_FILES = 80

# An input section larger than this holds many functions: the toolchain's C objects and the runtime are compiled
# without one section per function, and so is part of the standard library (one 1.6 MB section).
SHARED_SECTION_BYTES = 16 * 1024


def largest_sections(map_path):
    """The size of the largest .text input section defining each symbol, from lld's map (`-Map`). A local name such
    as `block_destroy_helper` is defined in many objects, and lld orders every section that defines it."""
    largest = {}
    in_text, section_size = False, None
    with open(map_path) as handle:
        for line in handle:
            fields = line.split()
            if len(fields) == 5 and fields[4].startswith("."):  # an output section
                in_text, section_size = fields[4] == ".text", None
            elif in_text and len(fields) >= 5 and ":(" in fields[4]:  # an input section: object:(name)
                section_size = int(fields[2], 16)
            elif in_text and len(fields) == 5 and section_size is not None:  # a symbol of that section
                largest[fields[4]] = max(section_size, largest.get(fields[4], 0))
    return largest


def shared_sections_last(functions, largest):
    """Functions with a section of their own first, then those in shared sections, smallest section first.

    lld lays out whole input sections: one listed function of a shared section brings the whole section to that
    place. Listed among the others, the standard library's 1.6 MB section and the C objects spread the functions
    that ran over 7 MB of .text, most of it resident in an idle daemon."""
    own = [name for name in functions if largest.get(name, 0) <= SHARED_SECTION_BYTES]
    shared = sorted((name for name in functions if largest.get(name, 0) > SHARED_SECTION_BYTES),
                    key=lambda name: (largest[name], name))
    return own + shared


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--database-url", required=True, help="an admin URL of the embedded PostgreSQL")
    parser.add_argument("--out", required=True)
    parser.add_argument("--map", help="lld's map of the same link (-Map): puts functions of shared sections last")
    parser.add_argument("--files", type=int, default=200)
    options = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("link_order: valgrind is missing; run `apt-get install valgrind`")

    work = tempfile.mkdtemp(prefix="ragsync-link-order-")
    server = EmbeddingServer(0)
    try:
        content = os.path.join(work, "content")
        paths, _ = corpus.write_corpus(content, options.files, 42)
        env = environment_without_settings()
        env.update({
            "DATABASE_URL": recreate_database(options.database_url, "ragsync_link_order"),
            "OPENAI_BASE_URL": server.url + "/v1", "OPENAI_API_KEY": "sk-profile",
            "RAGSYNC_CONTENT_DIR": content, "RAGSYNC_EMBEDDER": "openai", "RAGSYNC_LOG_LEVEL": "info",
            # What `ragsync watch` would restart itself with (ProcessMemory); valgrind cannot follow that exec.
            "GLIBC_TUNABLES": "glibc.malloc.tcache_count=0",
        })
        profiler = Profiler(options.binary, work)
        profiler.run(env, "migrate")
        profiler.run(env, "sync")
        daemon_workload(profiler, env, content, paths, work)
        profiler.run(env, "sync")
        profiler.run(env, "status")
        functions = profiler.functions()
        if options.map:
            functions = shared_sections_last(functions, largest_sections(options.map))
    finally:
        server.stop()
    with open(options.out + ".tmp", "w") as handle:
        handle.write("\n".join(functions) + "\n")
    os.replace(options.out + ".tmp", options.out)
    print("link_order: %d functions in %s (profiles in %s)" % (len(functions), options.out, work))


if __name__ == "__main__":
    main()
