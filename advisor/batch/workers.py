"""Run a job over blocks of records, here or in forked worker processes, keeping input order.

durable-rules is not thread-safe, so parallel work means processes. They are forked after the
rule pack is compiled, so each worker inherits it instead of compiling its own.

``workers`` counts the processes that score: this one and ``workers - 1`` forked ones. This
process also reads the input and writes the output. Whether sharing pays off is decided from
two costs it measures in CPU time on the blocks it scores itself (from the third block on: the
first ones fill the caches):

* scoring: what ``job`` costs a record;
* handing over: what pickling a block of records and unpickling them, then pickling the block's
  result and unpickling it, costs a record — what a worker's pipe would carry there and back
  (a CSV row is a few hundred bytes, a JSON line 12 KB and more, so the format decides most of it).

It forks the workers when scoring costs more than ``SHARE_ABOVE`` times handing over (a list of
new profiles: scoring is expensive and the other cores are worth it); it then hands them blocks
and scores a block itself only when they are all busy. When scoring is cheap (a client list of
repeated profiles, answered from the caches) sharing would cost more than it saves — each worker
would fill caches of its own — and it scores every block itself, without forking. Both costs are
smoothed over the blocks, so a list that turns from repetitive to new forks when it turns. A few
blocks are in flight at most: reading waits for the workers, so memory does not grow with the
input.
"""

from __future__ import annotations

import collections
import itertools
import pickle
import signal
import time
from typing import Any, Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

QUEUED_PER_WORKER = 2  # blocks handed to a worker and not yet collected
# Scoring must cost more than this many times the measured hand-over: besides the pickling the
# measure counts, a hand-over costs pipe writes and reads and a task in the pool's threads.
SHARE_ABOVE = 2.0
WARM_UP = 2  # blocks that fill the caches: their cost says little of what follows
MEASURE_EVERY = 4  # blocks scored here between two measures of the hand-over
MAX_PENDING = 3  # blocks per process scored and waiting for an earlier one to be written

_JOB: Callable | None = None  # the job of this process, inherited by the forked workers


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` consecutive items (the last may be shorter)."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def map_blocks(job: Callable[[list[T]], R], blocks: Iterable[list[T]],
               workers: int = 1) -> Iterator[tuple[list[T], R]]:
    """``(block, job(block))`` for each block, in order, the work shared by ``workers`` processes
    when scoring costs more than handing over (see the module's doc)."""
    if workers <= 1:
        for block in blocks:
            yield block, job(block)
        return

    import multiprocessing

    global _JOB
    _JOB = job
    context = multiprocessing.get_context("fork")
    pools: list = []  # forked the first time a block is handed over
    queued = [0] * (workers - 1)  # blocks in flight per worker
    pending: collections.deque = collections.deque()  # (block, worker index or None, result)
    cost: float | None = None  # CPU seconds per item of scoring here, smoothed
    hand_over: float | None = None  # CPU seconds per item of handing over, smoothed
    warming = WARM_UP  # blocks scored here before their cost counts
    scored = 0  # blocks scored here since the warm-up
    try:
        for block in blocks:
            free = min(range(len(queued)), key=queued.__getitem__)
            worth_it = cost is not None and hand_over is not None and cost > SHARE_ABOVE * hand_over
            if worth_it and queued[free] < QUEUED_PER_WORKER:
                if not pools:
                    pools = [context.Pool(1, initializer=_ignore_interrupts) for _ in range(workers - 1)]
                pending.append((block, free, pools[free].apply_async(_run, (block,))))
                queued[free] += 1
            else:  # every worker is busy, or scoring is cheaper than handing the block over
                # CPU time: on a shared machine, the wall clock also counts the time others had the CPU.
                start = time.process_time()
                result = job(block)
                spent = (time.process_time() - start) / max(len(block), 1)
                pending.append((block, None, result))
                if warming:
                    warming -= 1
                else:
                    cost = spent if cost is None else 0.7 * cost + 0.3 * spent
                    if scored % MEASURE_EVERY == 0:
                        moved = handing_over(block, result)
                        hand_over = moved if hand_over is None else 0.7 * hand_over + 0.3 * moved
                    scored += 1
            while pending and (_ready(pending[0]) or len(pending) > MAX_PENDING * workers):
                yield _collect(pending.popleft(), queued)
        while pending:
            yield _collect(pending.popleft(), queued)
        for pool in pools:
            pool.close()
        for pool in pools:
            pool.join()
    finally:
        for pool in pools:
            pool.terminate()
        _JOB = None


def handing_over(block: list, result: Any) -> float:
    """CPU seconds per item of handing ``block`` to a worker and its ``result`` back: both
    pickled and unpickled, as ``multiprocessing`` does (the pipes' own cost is not counted)."""
    start = time.process_time()
    pickle.loads(pickle.dumps(block, pickle.HIGHEST_PROTOCOL))
    pickle.loads(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
    return (time.process_time() - start) / max(len(block), 1)


def _ready(entry: tuple) -> bool:
    _, worker, result = entry
    return worker is None or result.ready()


def _collect(entry: tuple, queued: list[int]) -> tuple:
    block, worker, result = entry
    if worker is None:
        return block, result
    value = result.get()
    queued[worker] -= 1
    return block, value


def _run(items):  # in a worker
    return _JOB(items)


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group; the main process alone decides what to do.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
