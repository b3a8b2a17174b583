"""A function run in a worker process, under a memory limit and a deadline, so no call can take the server down.

The Streamlit server runs many threads, where a plain fork is unsafe; workers start from a fork server (a clean
single-threaded process that has already imported the loader, so each upload starts in milliseconds) or, where
there is none, are spawned. The worker gets the file's bytes, limits its own address space with
``resource.setrlimit(RLIMIT_AS)`` to what it started with plus ``Limits.memory_bytes``, parses, and sends the
``LoadResult`` back. Past the deadline the parent kills it. Either way the upload costs one message.

A worker never runs the caller's main script. multiprocessing would re-run it (as ``__mp_main__``) in the fork
server and in every worker, and inside a Streamlit script run the "main module" is the page script itself
(dashboard.py): each upload would run the app's page in its worker, and a page that cannot run outside Streamlit
would stop every upload. The worker's own code lives in importable modules, so it is not needed: the fork server
preloads only the loader, and each worker is started without the main module (``_Popen``).
"""

from __future__ import annotations

import io
import multiprocessing as mp
import os
import time
from multiprocessing.connection import wait

from analysis.data.limits import Limits, crash_message, memory_message, time_message

__all__ = ["WorkerFailed", "run_bounded"]

# Imported once by the fork server (never the caller's main script); the listing import's readers too, which
# start no thread on import, so a worker's memory limit is not spent loading libraries.
_PRELOAD = [
    "analysis.data.loader",
    "analysis.data.importers.engine",
    "analysis.data.importers.tables",
    "duckdb",
    "python_calamine",
]
_MAIN_KEYS = ("init_main_from_path", "init_main_from_name")  # how multiprocessing would re-run the main script
_CONTEXT = None


class WorkerFailed(Exception):
    """The worker went past its memory or time limit, or died; the message is for the user."""


def _mp_context():
    global _CONTEXT
    if _CONTEXT is None:
        if "forkserver" in mp.get_all_start_methods():
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(_PRELOAD)  # imported once by the server, not per upload
        else:  # pragma: no cover - Linux has a fork server
            ctx = mp.get_context("spawn")
        _CONTEXT = ctx
    return _CONTEXT


def _process_class():
    """The Process class a worker is started with: the fork server's, without the caller's main module."""
    ctx = _mp_context()
    return _Process if ctx.get_start_method() == "forkserver" else ctx.Process


try:  # the fork server's own launch (popen_forkserver.Popen._launch, Python 3.11 to 3.13), main script left out
    from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
    from multiprocessing.context import ForkServerProcess, set_spawning_popen

    class _Popen(popen_forkserver.Popen):
        def _launch(self, process_obj):
            prep_data = spawn.get_preparation_data(process_obj._name)
            for key in _MAIN_KEYS:
                prep_data.pop(key, None)
            buf = io.BytesIO()
            set_spawning_popen(self)
            try:
                reduction.dump(prep_data, buf)
                reduction.dump(process_obj, buf)
            finally:
                set_spawning_popen(None)
            self.sentinel, w = forkserver.connect_to_new_process(self._fds)
            parent_w = os.dup(w)
            self.finalizer = util.Finalize(self, util.close_fds, (parent_w, self.sentinel))
            with open(w, "wb", closefd=True) as f:
                f.write(buf.getbuffer())
            self.pid = forkserver.read_signed(self.sentinel)

    class _Process(ForkServerProcess):
        @staticmethod
        def _Popen(process_obj):
            return _Popen(process_obj)

except ImportError:  # pragma: no cover - no fork server (not Linux): workers are spawned
    _Process = None


def _address_space() -> int:
    """This process's virtual memory size in bytes (0 when it cannot be read)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return 0


def _child(conn, fn, args, memory_bytes: int) -> None:
    import resource

    try:
        try:
            base = _address_space() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            cap = base + int(memory_bytes)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
            conn.send(("ok", fn(*args)))
        except MemoryError:
            conn.send(("memory", None))
        except BaseException as e:  # reported to the parent, which words it
            conn.send(("error", f"{type(e).__name__}: {e}"))
    except MemoryError:  # the result itself could not be sent within the limit
        conn.send(("memory", None))
    finally:
        conn.close()


def run_bounded(fn, args: tuple = (), *, memory_bytes: int, seconds: float):
    """``fn(*args)`` in a worker process limited to `memory_bytes` more than it starts with and `seconds`.

    `fn`, its arguments and its result must pickle. Raises WorkerFailed with a message for the user when the
    worker runs out of memory, passes its deadline (it is then killed) or dies.
    """
    limits = Limits(memory_bytes=memory_bytes, seconds=seconds)
    ctx = _mp_context()
    receive, send = ctx.Pipe(duplex=False)
    proc = _process_class()(target=_child, args=(send, fn, args, memory_bytes), daemon=True, name="upload-worker")
    proc.start()
    send.close()
    deadline = time.monotonic() + seconds
    message = None
    try:
        while message is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerFailed(time_message(limits))
            ready = wait([receive, proc.sentinel], timeout=left)
            if receive in ready or (proc.sentinel in ready and receive.poll(0)):
                try:
                    message = receive.recv()
                except EOFError:  # it died without a word
                    break
            elif proc.sentinel in ready:
                break
    finally:
        if proc.is_alive() and message is None:
            proc.kill()
        proc.join(timeout=30)
        receive.close()
    if message is None:
        raise WorkerFailed(crash_message(proc.exitcode))
    kind, value = message
    if kind == "ok":
        return value
    if kind == "memory":
        raise WorkerFailed(memory_message(limits))
    raise WorkerFailed(f"{crash_message(proc.exitcode)} ({value})")
