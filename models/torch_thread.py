"""The one thread that runs the process's torch work, so torch keeps a single OpenMP thread team.

torch's CPU kernels run on OpenMP, and OpenMP (libgomp) gives every calling thread its own team of
worker threads. Once two threads have called into torch (say the model loads on the main thread and
then runs in the micro-batcher's worker), there are more OpenMP threads than CPUs, and libgomp
stops spinning between parallel regions: every region then waits for sleeping threads to wake up.
On a 2-vCPU guest that made each message 2.2x slower (``bench/threads.py``). Loading and running
every model on this one thread avoids it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

THREAD_NAME = "steward-torch"

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_thread_id: int | None = None


def _remember_thread() -> None:
    global _thread_id
    _thread_id = threading.get_ident()


def _get_executor() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix=THREAD_NAME, initializer=_remember_thread
            )
        return _executor


def _forget_after_fork() -> None:
    """A forked child has no torch thread: it starts its own when it needs one."""
    global _executor, _thread_id
    _executor, _thread_id = None, None


os.register_at_fork(after_in_child=_forget_after_fork)


def on_torch_thread(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Run ``fn(*args, **kwargs)`` on the torch thread and return its result (or raise its error).

    Called from the torch thread itself (``fn`` calling back in), it runs inline.
    """
    if is_torch_thread():
        return fn(*args, **kwargs)
    return _get_executor().submit(fn, *args, **kwargs).result()


def is_torch_thread() -> bool:
    """Whether the calling thread is the torch thread."""
    return threading.get_ident() == _thread_id
