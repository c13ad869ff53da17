"""Run a job over blocks of records, here or in forked worker processes, keeping input order.

durable-rules is not thread-safe, so parallel work means processes. They are forked after the
rule pack is compiled, so each worker inherits it instead of compiling its own.

``workers`` counts the processes that score: this one and ``workers - 1`` forked ones. This
process also reads the input and writes the output. It measures the CPU time scoring a record
costs here (from the third block on: the first ones fill the caches). When that is more than
handing it over costs (every profile new), it forks the workers, hands them blocks and scores a
block itself only when they are all busy. When scoring is cheap (a client list of repeated
profiles, answered from the caches), sharing would cost more than it saves — each worker would
fill caches of its own — and it scores the blocks itself, without forking. A few blocks are in
flight at most: reading waits for the workers, so memory does not grow with the input.
"""

from __future__ import annotations

import collections
import itertools
import signal
import time
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

QUEUED_PER_WORKER = 2  # blocks handed to a worker and not yet collected
# Handing a record to a worker and its result back costs 10-40 µs (pickling, pipes; a JSON line
# of 12 KB costs the most): below several times that per record, scoring here is faster than
# sharing the work. A list of new profiles costs 150 µs and more a record; a repetitive one
# 20-40 µs in its first blocks, and then less.
HAND_OVER_BELOW = 80e-6
WARM_UP = 2  # blocks that fill the caches: their cost says little of what follows
MAX_PENDING = 3  # blocks per process scored and waiting for an earlier one to be written

_JOB: Callable | None = None  # the job of this process, inherited by the forked workers


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` consecutive items (the last may be shorter)."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def map_blocks(job: Callable[[list[T]], R], blocks: Iterable[list[T]], workers: int = 1,
               hand_over: float = 1.0) -> Iterator[tuple[list[T], R]]:
    """``(block, job(block))`` for each block, in order, the work shared by ``workers`` processes.

    ``hand_over``: what handing an item's result back costs, relative to a row of a few hundred
    bytes (a JSON line of 12 KB and more costs several times as much: work is shared only when
    scoring costs more than ``HAND_OVER_BELOW * hand_over`` an item).
    """
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
    warming = WARM_UP  # blocks scored here before their cost counts
    try:
        for block in blocks:
            free = min(range(len(queued)), key=queued.__getitem__)
            worth_it = cost is not None and cost > HAND_OVER_BELOW * hand_over
            if worth_it and queued[free] < QUEUED_PER_WORKER:
                if not pools:
                    pools = [context.Pool(1, initializer=_ignore_interrupts) for _ in range(workers - 1)]
                pending.append((block, free, pools[free].apply_async(_run, (block,))))
                queued[free] += 1
            else:  # every worker is busy, or scoring is cheaper than handing the block over
                # CPU time: on a shared machine, the wall clock also counts the time others had the CPU.
                start = time.process_time()
                pending.append((block, None, job(block)))
                spent = (time.process_time() - start) / max(len(block), 1)
                if warming:
                    warming -= 1
                else:
                    cost = spent if cost is None else 0.7 * cost + 0.3 * spent
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
