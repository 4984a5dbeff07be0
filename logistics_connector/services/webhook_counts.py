"""Webhook answers by status, counted across the worker processes of one server (plain Python).

``GET /logistics/metrics`` reports ``logistics_webhook_responses_total``. Odoo runs its HTTP
workers as separate processes (``--workers=N``), and a scrape is answered by one of them, so an
in-memory counter would show one worker's share. Counting in the database would add a query to
every webhook request (a canonical webhook request is two queries: benchmark figure 1).

Here each process counts into its own small file mapped in memory (``mmap``): counting is a
write into the process's memory, no system call and no query. A scrape reads the files of every
process of the same server and sums them. The files live in a directory per server (the pid of
the process that started it: the prefork master, or the only process of a threaded server)
under ``/dev/shm`` (memory, not disk) when there is one, else the temporary directory, or
``$LOGISTICS_METRICS_DIR`` when set. A scrape folds the files of workers that have exited
(Odoo recycles workers) into ``retired.json`` so that their counts stay and files do not pile
up, and removes the directories of servers that are no longer running. The counts are those
since the server started (a Prometheus counter; a restart is a reset, which Prometheus handles).

Layout of a process's file: ``SLOTS`` slots of ``SLOT_SIZE`` bytes: an unsigned 64-bit count,
then the key (``<endpoint>\\x1f<status>``, UTF-8, zero-padded). A slot's key is written before
its count becomes non-zero, and each process writes only its own file.
"""

import contextlib
import fcntl
import json
import mmap
import os
import shutil
import struct
import tempfile
import threading

SLOT_SIZE = 64
KEY_SIZE = SLOT_SIZE - 8
SLOTS = 128
FILE_SIZE = SLOT_SIZE * SLOTS
SEPARATOR = "\x1f"
RETIRED = "retired.json"
SUFFIX = ".counts"
# Keys beyond the slots of a file (never expected: endpoints x statuses is a few dozen).
OVERFLOW_KEY = ("overflow", 0)


def _base_dir():
    configured = os.environ.get("LOGISTICS_METRICS_DIR")
    if configured:
        return configured
    root = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()
    return os.path.join(root, f"odoo-logistics-webhooks-{os.getuid()}")


def _server_pid():
    """The pid of the process that started the server: the prefork master for its workers."""
    try:
        from odoo.service import server  # a process-level fact, not the ORM
    except ImportError:  # pragma: no cover - outside Odoo
        return os.getpid()
    running = getattr(server, "server", None)
    return getattr(running, "pid", None) or os.getpid()


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _encode_key(endpoint, status):
    return f"{endpoint}{SEPARATOR}{int(status)}".encode()[:KEY_SIZE]


def _decode_key(raw):
    endpoint, _sep, status = raw.rstrip(b"\0").decode(errors="replace").rpartition(SEPARATOR)
    return endpoint, int(status) if status.isdigit() else 0


def read_file(path):
    """{(endpoint, status): count} of one process's file."""
    with open(path, "rb") as handle:
        data = handle.read(FILE_SIZE)
    counts = {}
    for offset in range(0, len(data) - SLOT_SIZE + 1, SLOT_SIZE):
        (count,) = struct.unpack_from("<Q", data, offset)
        raw = data[offset + 8 : offset + SLOT_SIZE]
        if not count or not raw.strip(b"\0"):
            continue
        key = _decode_key(raw)
        counts[key] = counts.get(key, 0) + count
    return counts


class ProcessCounters:
    """The counters of this process, in its own mapped file of ``directory``."""

    def __init__(self, directory):
        self.pid = os.getpid()
        self.directory = directory
        self.path = os.path.join(directory, f"{self.pid}{SUFFIX}")
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.ftruncate(fd, FILE_SIZE)
            self.map = mmap.mmap(fd, FILE_SIZE)
        finally:
            os.close(fd)
        self.offsets = {}
        self.lock = threading.Lock()

    def add(self, endpoint, status, amount=1):
        key = (endpoint, int(status))
        with self.lock:
            offset = self.offsets.get(key)
            if offset is None and len(self.offsets) >= SLOTS - 1:
                key = OVERFLOW_KEY  # the last slot
                offset = self.offsets.get(key)
            if offset is None:
                offset = len(self.offsets) * SLOT_SIZE
                encoded = _encode_key(*key)
                self.map[offset + 8 : offset + 8 + len(encoded)] = encoded
                self.offsets[key] = offset
            (count,) = struct.unpack_from("<Q", self.map, offset)
            struct.pack_into("<Q", self.map, offset, count + amount)


class SharedCounters:
    """Webhook answers by (endpoint, status), summed over the processes of one server."""

    def __init__(self, base_dir=None, server_pid=None):
        self._base_dir = base_dir
        self._server_pid = server_pid
        self._process = None
        self._lock = threading.Lock()

    def directory(self):
        base = self._base_dir or _base_dir()
        server_pid = self._server_pid or _server_pid()
        return os.path.join(base, str(server_pid))

    def _own(self):
        process = self._process
        if process is None or process.pid != os.getpid():  # first count, or a forked child
            with self._lock:
                process = self._process
                if process is None or process.pid != os.getpid():
                    directory = self.directory()
                    os.makedirs(directory, mode=0o700, exist_ok=True)
                    process = self._process = ProcessCounters(directory)
        return process

    def count(self, endpoint, status):
        """One answer (no system call after the process's first)."""
        try:
            self._own().add(endpoint, status)
        except OSError:
            # A counter must never fail a webhook's answer: the count is lost, the body is not.
            return

    def totals(self):
        """{(endpoint, status): count} since the server started, over all its processes."""
        directory = self.directory()
        totals = {}
        if not os.path.isdir(directory):
            return totals
        fd = os.open(os.path.join(directory, ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            # One scrape at a time tidies (exclusive lock); the others read under a shared
            # lock, so none reads a worker's file and its fold into retired.json together.
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fcntl.flock(fd, fcntl.LOCK_SH)
            else:
                with contextlib.suppress(OSError, ValueError):
                    self._tidy(directory)
            for name in os.listdir(directory):
                path = os.path.join(directory, name)
                with contextlib.suppress(OSError, ValueError):
                    if name.endswith(SUFFIX):
                        counts = read_file(path)
                    elif name == RETIRED:
                        counts = _read_retired(path)
                    else:
                        continue
                    for key, value in counts.items():
                        totals[key] = totals.get(key, 0) + value
        finally:
            os.close(fd)  # releases the lock
        return totals

    def _tidy(self, directory):
        """Fold the files of exited workers into ``retired.json``; remove the directories of
        servers that no longer run."""
        self._fold_exited(directory)
        self._remove_stopped_servers(os.path.dirname(directory), os.path.basename(directory))

    @staticmethod
    def _fold_exited(directory):
        exited = []
        for name in os.listdir(directory):
            stem = name[: -len(SUFFIX)]
            if name.endswith(SUFFIX) and stem.isdigit() and int(stem) != os.getpid() and not _alive(int(stem)):
                exited.append(os.path.join(directory, name))
        if not exited:
            return
        retired_path = os.path.join(directory, RETIRED)
        retired = _read_retired(retired_path) if os.path.exists(retired_path) else {}
        for path in exited:
            for key, value in read_file(path).items():
                retired[key] = retired.get(key, 0) + value
        tmp_path = f"{retired_path}.{os.getpid()}.tmp"
        with open(tmp_path, "w", encoding="utf-8") as handle:
            json.dump([[endpoint, status, count] for (endpoint, status), count in retired.items()], handle)
        os.replace(tmp_path, retired_path)
        for path in exited:
            os.unlink(path)

    @staticmethod
    def _remove_stopped_servers(base, current):
        for name in os.listdir(base):
            if name != current and name.isdigit() and not _alive(int(name)):
                shutil.rmtree(os.path.join(base, name), ignore_errors=True)


def _read_retired(path):
    with open(path, encoding="utf-8") as handle:
        return {(endpoint, int(status)): int(count) for endpoint, status, count in json.load(handle)}
