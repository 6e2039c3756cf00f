"""Crash isolation: run work in child processes so that an abort is a reason, not the end.

Two tools:

* :func:`describe_exit` turns a process exit status into words (``"killed by SIGABRT"``).
* :class:`IsolatedPool` is a small process pool (at most a few workers) that, unlike
  :class:`concurrent.futures.ProcessPoolExecutor`, knows which task a dead worker was
  running: a worker that crashes (``os.abort()``, a segfault in a C extension) or runs past
  the time limit is reported for that one task, replaced, and the other tasks go on.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import signal
import sys
import time
import traceback
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, Callable, Hashable, Iterator

__all__ = ["TaskResult", "IsolatedPool", "describe_exit"]


def describe_exit(code: int | None) -> str:
    """Words for a child's exit status (negative = killed by that signal)."""
    if code is None:
        return "still running"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}"
    if code > 128 and code - 128 in {s.value for s in signal.Signals}:
        return f"exit {code} ({signal.Signals(code - 128).name})"
    return f"exit status {code}"


@dataclass
class TaskResult:
    """Outcome of one task: ``ok`` with ``value``, or a ``reason`` (exception, crash, time-out)."""

    key: Hashable
    ok: bool
    value: Any = None
    reason: str = ""
    seconds: float = 0.0
    crashed: bool = False


def _worker_main(conn, func: Callable) -> None:  # pragma: no cover - runs in the child
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        key, args, kwargs = msg
        t0 = time.perf_counter()
        try:
            value = func(*args, **kwargs)
            out = (key, True, value, "")
        except Exception as exc:  # reported, the worker goes on
            tb = traceback.extract_tb(exc.__traceback__)
            where = f" (at {tb[-1].name}:{tb[-1].lineno})" if tb else ""
            out = (key, False, None, f"{type(exc).__name__}: {exc}{where}")
        try:
            conn.send(out + (time.perf_counter() - t0,))
        except Exception as exc:  # unpicklable value
            conn.send((key, False, None, f"result could not be sent back: {exc}", time.perf_counter() - t0))


@contextlib.contextmanager
def _main_guard():
    """Start ``spawn`` children without re-running the parent's main script.

    The spawn start method imports the parent's ``__main__`` in the child (by path or module
    name). The pool's function lives in an importable module, so the child does not need
    it; hiding ``__main__.__file__``/``__spec__`` while the child starts (as for an
    interactive session) keeps a script without an ``if __name__ == "__main__":`` guard,
    or code read from stdin, from being run again in every worker.
    """
    main = sys.modules.get("__main__")
    saved = {}
    for attr in ("__file__", "__spec__"):
        if main is not None and attr in main.__dict__:
            saved[attr] = main.__dict__[attr]
    try:
        if "__file__" in saved:
            del main.__file__
        if "__spec__" in saved:
            main.__spec__ = None
        yield
    finally:
        for attr, val in saved.items():
            setattr(main, attr, val)


class _Worker:
    def __init__(self, ctx, func):
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child, func), daemon=True)
        with _main_guard():
            self.proc.start()
        child.close()
        self.task = None  # (key, args, kwargs)
        self.started = 0.0

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except Exception:
                pass
        self.proc.join(timeout=5)
        if self.proc.is_alive():  # pragma: no cover - defensive
            self.proc.kill()
            self.proc.join(timeout=5)
        self.conn.close()


class IsolatedPool:
    """A process pool that survives crashing tasks.

    Parameters
    ----------
    func : callable
        Module-level function ``func(*args, **kwargs)`` run in the workers (must be
        importable by the child: the pool uses the ``spawn`` start method by default).
    workers : int, default 2
        Number of worker processes (the machines this project targets have 2 cores).
    timeout : float, optional
        Seconds one task may take; a worker past it is killed and replaced, and the task
        is reported with ``reason="timed out after ...``.
    mp_context : str, optional
        Start method. Default ``forkserver`` where available (a clean server process imports
        the function's module once and forks each worker from it: quick to start, and safe
        with a parent that runs threads), else ``spawn``.

    Examples
    --------
    >>> with IsolatedPool(abs, workers=1) as pool:    # doctest: +SKIP
    ...     pool.submit("a", -3)
    ...     [r.value for r in pool.as_completed()]
    [3]
    """

    def __init__(
        self,
        func: Callable,
        *,
        workers: int = 2,
        timeout: float | None = None,
        mp_context: str | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.func = func
        self.n_workers = int(workers)
        self.timeout = timeout
        if mp_context is None:
            mp_context = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        self._ctx = mp.get_context(mp_context)
        if mp_context == "forkserver":
            self._ctx.set_forkserver_preload([func.__module__])
        self._pending: deque = deque()
        self._workers: list[_Worker] = []

    # -- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> "IsolatedPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for w in self._workers:
            w.stop(kill=w.task is not None)
        self._workers = []

    # -- work ----------------------------------------------------------------------------
    def submit(self, key: Hashable, *args, **kwargs) -> None:
        """Queue ``func(*args, **kwargs)``; its result comes back from :meth:`as_completed`."""
        self._pending.append((key, args, kwargs))

    def __len__(self) -> int:
        return len(self._pending) + sum(w.task is not None for w in self._workers)

    def _dispatch(self) -> None:
        while self._pending:
            idle = [w for w in self._workers if w.task is None]
            if not idle:
                if len(self._workers) >= min(self.n_workers, len(self)):
                    return
                idle = [_Worker(self._ctx, self.func)]
                self._workers.extend(idle)
            w = idle[0]
            task = self._pending.popleft()
            try:
                w.conn.send(task)
            except Exception as exc:
                self._pending.appendleft(task)
                if isinstance(exc, (BrokenPipeError, EOFError, OSError)):
                    self._replace(w)
                    continue
                raise
            w.task = task
            w.started = time.perf_counter()

    def _replace(self, w: _Worker, kill: bool = True) -> None:
        w.stop(kill=kill)
        self._workers.remove(w)

    def as_completed(self) -> Iterator[TaskResult]:
        """Yield results as tasks finish; tasks may be submitted while iterating."""
        while len(self):
            self._dispatch()
            busy = [w for w in self._workers if w.task is not None]
            if not busy:  # pragma: no cover - defensive
                continue
            wait_for = None
            if self.timeout is not None:
                now = time.perf_counter()
                wait_for = max(0.0, min(w.started + self.timeout - now for w in busy))
            handles = {}
            for w in busy:
                handles[w.conn] = w
                handles[w.proc.sentinel] = w
            ready = wait(list(handles), timeout=wait_for)
            done: set[int] = set()
            for h in ready:
                w = handles[h]
                if id(w) in done:
                    continue
                done.add(id(w))
                key = w.task[0]
                secs = time.perf_counter() - w.started
                msg = None
                if w.conn.poll():
                    try:
                        msg = w.conn.recv()
                    except (EOFError, OSError):
                        msg = None
                if msg is not None:
                    w.task = None
                    k, ok, value, reason, secs = msg
                    yield TaskResult(k, ok, value, reason, secs)
                    continue
                # the worker died while running the task
                w.proc.join(timeout=5)
                reason = f"worker crashed ({describe_exit(w.proc.exitcode)})"
                w.task = None
                self._replace(w, kill=False)
                yield TaskResult(key, False, None, reason, secs, crashed=True)
            if self.timeout is not None:
                now = time.perf_counter()
                for w in list(self._workers):
                    if w.task is not None and id(w) not in done and now - w.started > self.timeout:
                        key = w.task[0]
                        w.task = None
                        self._replace(w, kill=True)
                        yield TaskResult(
                            key, False, None, f"timed out after {self.timeout:.0f} s", now - w.started,
                            crashed=True,
                        )
