# ragsync — a minimal PostgreSQL client for the benchmark, over the system's libpq through ctypes.
"""Just what `bench.py` needs from outside the daemon: queries with text parameters, LISTEN with arrival times,
and COPY in and out (binary), so the benchmark measures ragsync with the same library ragsync uses and needs no
Python package beyond the standard library."""

import ctypes
import ctypes.util
import select
import time

_lib = ctypes.CDLL(ctypes.util.find_library("pq") or "libpq.so.5")
_lib.PQconnectdb.restype = ctypes.c_void_p
_lib.PQconnectdb.argtypes = [ctypes.c_char_p]
_lib.PQstatus.argtypes = [ctypes.c_void_p]
_lib.PQerrorMessage.restype = ctypes.c_char_p
_lib.PQerrorMessage.argtypes = [ctypes.c_void_p]
_lib.PQfinish.argtypes = [ctypes.c_void_p]
_lib.PQexecParams.restype = ctypes.c_void_p
_lib.PQexecParams.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p,
                              ctypes.POINTER(ctypes.c_char_p), ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
_lib.PQexec.restype = ctypes.c_void_p
_lib.PQexec.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_lib.PQresultStatus.argtypes = [ctypes.c_void_p]
_lib.PQresultErrorMessage.restype = ctypes.c_char_p
_lib.PQresultErrorMessage.argtypes = [ctypes.c_void_p]
_lib.PQntuples.argtypes = [ctypes.c_void_p]
_lib.PQnfields.argtypes = [ctypes.c_void_p]
_lib.PQgetisnull.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
_lib.PQgetvalue.restype = ctypes.c_char_p
_lib.PQgetvalue.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
_lib.PQclear.argtypes = [ctypes.c_void_p]
_lib.PQgetResult.restype = ctypes.c_void_p
_lib.PQgetResult.argtypes = [ctypes.c_void_p]
_lib.PQsocket.argtypes = [ctypes.c_void_p]
_lib.PQconsumeInput.argtypes = [ctypes.c_void_p]


class _Notify(ctypes.Structure):
    _fields_ = [("relname", ctypes.c_char_p), ("be_pid", ctypes.c_int), ("extra", ctypes.c_char_p)]


_lib.PQnotifies.restype = ctypes.POINTER(_Notify)
_lib.PQnotifies.argtypes = [ctypes.c_void_p]
_lib.PQfreemem.argtypes = [ctypes.c_void_p]
_lib.PQputCopyData.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
_lib.PQputCopyEnd.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_lib.PQgetCopyData.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_int]

CONNECTION_OK = 0
PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_COPY_OUT, PGRES_COPY_IN = 1, 2, 3, 4


class PgError(Exception):
    pass


class Connection:
    def __init__(self, url):
        self.handle = _lib.PQconnectdb(url.encode())
        if _lib.PQstatus(self.handle) != CONNECTION_OK:
            message = _lib.PQerrorMessage(self.handle).decode(errors="replace").strip()
            _lib.PQfinish(self.handle)
            self.handle = None
            raise PgError("cannot connect to the benchmark database: %s" % message)

    def close(self):
        if self.handle:
            _lib.PQfinish(self.handle)
            self.handle = None

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()

    def _check(self, result, expected):
        status = _lib.PQresultStatus(result)
        if status not in expected:
            message = _lib.PQresultErrorMessage(result).decode(errors="replace").strip()
            _lib.PQclear(result)
            raise PgError(message or "unexpected result status %d" % status)
        return status

    def query(self, sql, params=()):
        """Rows as lists of str (None for NULL); parameters are bound as text, never spliced."""
        values = (ctypes.c_char_p * max(len(params), 1))(
            *[None if value is None else str(value).encode() for value in params])
        result = _lib.PQexecParams(self.handle, sql.encode(), len(params), None, values, None, None, 0)
        if not result:
            raise PgError(_lib.PQerrorMessage(self.handle).decode(errors="replace").strip())
        self._check(result, (PGRES_COMMAND_OK, PGRES_TUPLES_OK))
        rows = []
        for row in range(_lib.PQntuples(result)):
            rows.append([None if _lib.PQgetisnull(result, row, column) else
                         _lib.PQgetvalue(result, row, column).decode()
                         for column in range(_lib.PQnfields(result))])
        _lib.PQclear(result)
        return rows

    def scalar(self, sql, params=()):
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def copy_out(self, sql):
        """Runs `COPY … TO STDOUT` and returns everything it sent."""
        self._check(_lib.PQexec(self.handle, sql.encode()), (PGRES_COPY_OUT,))
        parts = []
        buffer = ctypes.c_void_p()
        while True:
            size = _lib.PQgetCopyData(self.handle, ctypes.byref(buffer), 0)
            if size < 0:
                break
            parts.append(ctypes.string_at(buffer, size))
            _lib.PQfreemem(buffer)
        self._finish()
        return b"".join(parts)

    def copy_in(self, sql, data, piece=1 << 20):
        """Runs `COPY … FROM STDIN` with `data`."""
        self._check(_lib.PQexec(self.handle, sql.encode()), (PGRES_COPY_IN,))
        for start in range(0, len(data), piece):
            chunk = data[start:start + piece]
            if _lib.PQputCopyData(self.handle, chunk, len(chunk)) != 1:
                raise PgError(_lib.PQerrorMessage(self.handle).decode(errors="replace").strip())
        _lib.PQputCopyEnd(self.handle, None)
        self._finish()

    def _finish(self):
        while True:
            result = _lib.PQgetResult(self.handle)
            if not result:
                return
            self._check(result, (PGRES_COMMAND_OK,))
            _lib.PQclear(result)

    def listen(self, channel):
        self.query('LISTEN "%s"' % channel.replace('"', '""'))

    def notifications(self, timeout):
        """Waits up to `timeout` seconds; returns [(arrival monotonic time, payload)] received, possibly []."""
        found = self._drain()
        if found:
            return found
        ready, _, _ = select.select([_lib.PQsocket(self.handle)], [], [], max(timeout, 0))
        if not ready:
            return []
        return self._drain()

    def _drain(self):
        now = time.monotonic()
        if _lib.PQconsumeInput(self.handle) != 1:
            raise PgError(_lib.PQerrorMessage(self.handle).decode(errors="replace").strip())
        found = []
        while True:
            notify = _lib.PQnotifies(self.handle)
            if not notify:
                return found
            found.append((now, notify.contents.extra.decode()))
            _lib.PQfreemem(notify)
