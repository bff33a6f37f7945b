#!/usr/bin/env python3
# ragsync — a local OpenAI-compatible embedding server for tests and benchmarks (Python standard library only).
"""Serves POST /v1/embeddings (and /embeddings) with deterministic, roughly semantic vectors.

Vectors are feature-hashed lowercased word tokens ([a-z0-9]+) and word bigrams, each signed by a bit of its
SHA-256, L2-normalised: texts sharing words get a high cosine similarity, which is enough for search demos.

    python3 scripts/embedding_server.py --port 0 [--latency-ms N] [--no-base64] [--api-key K] [--instant]

--instant (for benchmarks) answers from a pool of 4096 precomputed unit vectors, picked by the CRC-32 of the text:
still deterministic, but O(1) per input, so the server costs next to nothing beside the client. The pool clusters
around 64 topics (cosine about 0.6 within a topic, about 0.1 across), as real embeddings of related texts do;
uniform random vectors would have no neighbourhoods for an approximate index to find.

prints "PORT <n>" as its first line on stdout and serves 127.0.0.1:<n> until killed.

Control endpoints for tests:
    GET  /_stats   -> {"requests": n, "inputs": n, "input_texts_total_chars": n}
    POST /_reset   zeroes the counters and clears faults
    POST /_faults  {"mode": "429"|"500"|"slow"|"malformed"|"wrong_dimension"|"close"|"401",
                    "count": k (next k embedding requests; -1 = until reset), "retry_after": s, "delay_ms": n,
                    "after": m (the fault starts after m more requests are served; default 0)}
Faulted requests count in "requests" but not in "inputs".
"""

import argparse
import base64
import functools
import hashlib
import json
import math
import os
import random
import re
import signal
import socket
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = re.compile(r"[a-z0-9]+")
FAULT_MODES = {"429", "500", "slow", "malformed", "wrong_dimension", "close", "401"}
MAX_DIMENSIONS = 16384


class State:
    """Counters and the pending fault, shared by the handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.requests = 0
        self.inputs = 0
        self.chars = 0
        self.fault = None  # dict with mode, count, retry_after, delay_ms

    def next_fault(self):
        """Counts an embedding request and returns the fault it gets, if any."""
        with self.lock:
            self.requests += 1
            fault = self.fault
            if fault is None or fault["count"] == 0:
                return None
            if fault["after"] > 0:
                fault["after"] -= 1
                return None
            if fault["count"] > 0:
                fault["count"] -= 1
            return dict(fault)


@functools.lru_cache(maxsize=200_000)
def feature(token, dimensions):
    digest = hashlib.sha256(token.encode("utf-8")).digest()
    bucket = int.from_bytes(digest[:8], "little") % dimensions
    sign = 1.0 if digest[8] & 1 else -1.0
    return bucket, sign


def embed(text, dimensions):
    """A unit vector for text; the empty (or token-free) text maps to the first basis vector."""
    tokens = TOKEN.findall(text.lower())
    vector = [0.0] * dimensions
    for token in tokens:
        bucket, sign = feature(token, dimensions)
        vector[bucket] += sign
    for first, second in zip(tokens, tokens[1:]):
        bucket, sign = feature(first + " " + second, dimensions)
        vector[bucket] += 0.5 * sign
    norm = math.sqrt(sum(x * x for x in vector))
    if norm == 0.0:
        vector = [0.0] * dimensions
        vector[0] = 1.0
        return vector, len(tokens)
    return [x / norm for x in vector], len(tokens)


class VectorPool:
    """Precomputed unit vectors for --instant, clustered around topics: the text's CRC-32 picks one; their base64
    forms are cached too."""

    SIZE = 4096
    TOPICS = 64

    def __init__(self):
        self.lock = threading.Lock()
        self.by_dimensions = {}

    def vectors(self, dimensions):
        with self.lock:
            pool = self.by_dimensions.get(dimensions)
            if pool is None:
                rng = random.Random(dimensions)

                def unit():
                    vector = [rng.gauss(0.0, 1.0) for _ in range(dimensions)]
                    norm = math.sqrt(sum(x * x for x in vector))
                    return [x / norm for x in vector]
                shared = unit()
                topics = [unit() for _ in range(self.TOPICS)]
                pool = []
                for index in range(self.SIZE):
                    topic, noise = topics[index % self.TOPICS], unit()
                    vector = [0.3 * s + t + 0.8 * n for s, t, n in zip(shared, topic, noise)]
                    norm = math.sqrt(sum(x * x for x in vector))
                    vector = [x / norm for x in vector]
                    pool.append((vector, base64.b64encode(struct.pack("<%df" % dimensions, *vector)).decode("ascii")))
                self.by_dimensions[dimensions] = pool
            return pool

    def embed(self, text, dimensions, encoding):
        vector, encoded = self.vectors(dimensions)[zlib.crc32(text.encode("utf-8")) % self.SIZE]
        return (encoded if encoding == "base64" else vector), len(text) // 4


def openai_error(message, kind="invalid_request_error", code=None):
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients reuse connections
    server_version = "ragsync-embedding-server"

    def setup(self):
        super().setup()
        # Headers and body leave in two writes; with Nagle's algorithm the body would wait for the client's delayed
        # ACK (40 ms on Linux), which no real embedding service adds to a small request.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):  # noqa: A002 - quiet unless --verbose
        if self.server.options.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    # -- plumbing ---------------------------------------------------------------------------------------------

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send_json(self, status, payload, headers=None):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # -- routes -----------------------------------------------------------------------------------------------

    def do_GET(self):
        state = self.server.state
        if self.path == "/_stats":
            with state.lock:
                stats = {"requests": state.requests, "inputs": state.inputs, "input_texts_total_chars": state.chars}
            self.send_json(200, stats)
        else:
            self.send_json(404, openai_error("Unknown path %s" % self.path, code="not_found"))

    def do_POST(self):
        body = self.read_body()
        state = self.server.state
        if self.path == "/_reset":
            with state.lock:
                state.reset()
            self.send_json(200, {"ok": True})
        elif self.path == "/_faults":
            self.set_fault(body)
        elif self.path in ("/v1/embeddings", "/embeddings"):
            self.embeddings(body)
        else:
            self.send_json(404, openai_error("Unknown path %s" % self.path, code="not_found"))

    def set_fault(self, body):
        try:
            request = json.loads(body or b"{}")
            mode = str(request["mode"])
            if mode not in FAULT_MODES:
                raise ValueError("unknown mode %s" % mode)
            fault = {
                "mode": mode,
                "count": int(request.get("count", 1)),
                "retry_after": request.get("retry_after"),
                "delay_ms": int(request.get("delay_ms", 1000)),
                "after": int(request.get("after", 0)),
            }
        except (ValueError, KeyError, TypeError) as error:
            self.send_json(400, openai_error("bad fault: %s" % error))
            return
        state = self.server.state
        with state.lock:
            state.fault = fault
        self.send_json(200, {"ok": True})

    def embeddings(self, body):
        options = self.server.options
        state = self.server.state
        fault = state.next_fault()
        if options.latency_ms > 0:
            time.sleep(options.latency_ms / 1000)
        mode = fault["mode"] if fault else None
        if mode == "close":
            self.close_connection = True  # the server closes the socket; the client gets no answer at all
            return
        if mode == "429":
            headers = {}
            if fault["retry_after"] is not None:
                headers["Retry-After"] = str(fault["retry_after"])
            message = "Rate limit reached for requests. Please try again later."
            self.send_json(429, openai_error(message, "requests", "rate_limit_exceeded"), headers)
            return
        if mode == "500":
            self.send_json(500, openai_error("The server had an error while processing your request.", "server_error"))
            return
        if mode == "401" or (options.api_key is not None and not self.authorised(options.api_key)):
            self.send_unauthorised()
            return
        if mode == "malformed":
            self.send_json(200, b'{"object": "list", "data": [{"index": 0, "embedding": ')
            return
        if mode == "slow":
            time.sleep(fault["delay_ms"] / 1000)

        try:
            request = json.loads(body)
            model = request["model"]
            inputs = request["input"]
            if isinstance(inputs, str):
                inputs = [inputs]
            if not isinstance(inputs, list) or not all(isinstance(text, str) for text in inputs):
                raise ValueError("'input' must be a string or an array of strings")
            dimensions = int(request.get("dimensions") or options.dimensions)
            if not 1 <= dimensions <= MAX_DIMENSIONS:
                raise ValueError("'dimensions' must be between 1 and %d" % MAX_DIMENSIONS)
            encoding = request.get("encoding_format") or "float"
            if encoding not in ("float", "base64"):
                raise ValueError("'encoding_format' must be 'float' or 'base64'")
        except (ValueError, KeyError, TypeError) as error:
            self.send_json(400, openai_error("Invalid request: %s" % error))
            return
        if encoding == "base64" and options.no_base64:
            self.send_json(400, openai_error("encoding_format base64 is not supported", code="invalid_value"))
            return

        if mode == "wrong_dimension":
            dimensions += 1
        data = []
        tokens = 0
        for index, text in enumerate(inputs):
            if options.instant:
                embedding, count = self.server.pool.embed(text, dimensions, encoding)
                tokens += count
                data.append({"object": "embedding", "index": index, "embedding": embedding})
                continue
            vector, count = embed(text, dimensions)
            tokens += count
            if encoding == "base64":
                embedding = base64.b64encode(struct.pack("<%df" % dimensions, *vector)).decode("ascii")
            else:
                embedding = vector
            data.append({"object": "embedding", "index": index, "embedding": embedding})
        if fault is None:
            with state.lock:
                state.inputs += len(inputs)
                state.chars += sum(len(text) for text in inputs)
        self.send_json(200, {
            "object": "list",
            "data": data,
            "model": model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        })

    def authorised(self, api_key):
        return self.headers.get("Authorization", "") == "Bearer " + api_key

    def send_unauthorised(self):
        given = self.headers.get("Authorization", "")
        key = given[len("Bearer "):] if given.startswith("Bearer ") else ""
        if key:
            shown = key[:6] + "*" * 3 + key[-4:] if len(key) > 12 else "***"
            message = ("Incorrect API key provided: %s. You can find your API key at "
                       "https://platform.openai.com/account/api-keys." % shown)
        else:
            message = "You didn't provide an API key. You need to provide your API key in an Authorization header."
        self.send_json(401, openai_error(message, code="invalid_api_key"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1; 0 picks a free one")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay added to every embedding request")
    parser.add_argument("--no-base64", action="store_true", help="answer 400 to encoding_format base64")
    parser.add_argument("--api-key", default=None, help="require 'Authorization: Bearer KEY'")
    parser.add_argument("--dimensions", type=int, default=1536, help="size when a request gives no dimensions")
    parser.add_argument("--instant", action="store_true",
                        help="answer from a pool of precomputed vectors (benchmarks: no per-text work)")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    parser.add_argument("--exit-on-stdin-eof", action="store_true",
                        help="exit when stdin closes (the parent test process ended, even by a crash)")
    options = parser.parse_args()

    # A parent may start us with signals blocked (Foundation's Process on Linux passes its thread's mask on);
    # SIGTERM must work, or stopping the server hangs.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    server.daemon_threads = True
    server.options = options
    server.state = State()
    server.pool = VectorPool()
    if options.instant:
        server.pool.vectors(options.dimensions)  # built before PORT is printed, so no request waits for it
    print("PORT %d" % server.server_address[1], flush=True)
    if options.exit_on_stdin_eof:
        def watch_stdin():
            while sys.stdin.buffer.read(4096):
                pass
            os._exit(0)
        threading.Thread(target=watch_stdin, daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
