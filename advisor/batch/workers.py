"""Run a job over blocks of records, here or in forked worker processes, keeping input order.

durable-rules is not thread-safe, so parallel work means processes. They are forked after the
rule pack is compiled, so each worker inherits it (and the caches filled so far) instead of
compiling its own. Each worker has a pipe for blocks and one for results; this process writes
and reads its ends without blocking and needs no threads (a pool's helper threads would wait
for this process's interpreter lock, a few milliseconds at each hand-over, while it scores).

``workers`` counts the processes that score: this one and ``workers - 1`` forked ones. This
process also reads the input and writes the output, so the workers get the scoring and this
process scores a block only when it would otherwise wait: when each worker already has
``QUEUED_PER_WORKER`` blocks handed to it and not back (one it scores, one waiting in its pipe,
so that it never runs dry while this process scores a block of its own).

Whether to hand blocks over at all is decided by ``Plan`` from two costs, both measured as CPU
time of this process (on a shared machine the wall clock also counts the time other programs
had the CPU) and smoothed over the blocks:

* scoring: what ``job`` costs a record, on every block scored here. The first block fills the
  caches and compiles the rules' slices: its cost is a first guess (new profiles or not, it is
  well above the hand-over, so the next blocks go to a worker, which inherits those caches),
  replaced by the next block's, with warm caches;
* handing over: what a record handed to a worker costs this process — pickling the block,
  writing it to the pipe, reading the result and unpickling it — measured on every block handed
  over, plus the time this process waited for a worker's result when it got too far ahead of it
  (``MAX_PENDING`` blocks). While no block is handed over, a block scored here and its result
  are pickled and unpickled as an estimate (the first block, and every ``MEASURE_EVERY``
  blocks after; twice as many blocks after each estimate that says handing over does not pay,
  up to ``MEASURE_AT_MOST``: on a repetitive list an estimate costs about what scoring the
  block does, and the hand-over's cost a record hardly changes).

A record handed over costs this process its hand-over instead of its scoring, and the worker
scores it meanwhile; so with this process the bound, the speed-up to expect is ``1 + (workers -
1) × (scoring - handing over) / (a worker's scoring + its own hand-over)`` (``Plan.gain``).
Blocks are handed over when that predicted speed-up is at least ``MIN_GAIN`` (1.5): the
prediction leaves out the reading and writing this process does for every row, and measured
runs came out about a third below it. New profiles cost
about 35-40 µs a record to score and a few µs to hand over as CSV rows: the workers take half
the blocks or more. A client list of repeated profiles, answered from the caches, costs a few
µs a record to score, not much more than handing it over costs: little to gain, and no worker
is forked, or the blocks stay here once the caches answer (the first blocks, new profiles with
cold caches, may be handed over). The costs are measured all along, so a
list that turns from new profiles to repeated ones stops handing over when it turns, and starts
again the other way.

Results come back in input order; a few blocks are in flight at most (``MAX_PENDING`` per
process), so reading waits for the workers and memory does not grow with the input. When the
caller stops early (``close()`` on the iterator: Ctrl-C, ``--max-errors``) the workers are
terminated at once; they ignore Ctrl-C themselves, which reaches the whole process group. An
exception in a worker is raised here when its block's turn comes; a worker that dies is an
``AdvisorError`` that says so. Without ``os.fork`` (Windows) everything is scored here.
"""

from __future__ import annotations

import collections
import itertools
import os
import pickle
import select
import signal
import struct
import time
from typing import Any, Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

QUEUED_PER_WORKER = 2  # blocks handed to a worker and not back: one it scores, one waiting
WARM_UP = 1  # blocks that fill the caches (and compile the rules' slices): their cost is a first guess only
MEASURE_EVERY = 4  # blocks scored here between two estimates of the hand-over, while none is handed over
MEASURE_AT_MOST = 64  # ... at most, when one estimate after the other says it does not pay
MAX_PENDING = 3  # blocks per process scored (or being scored) and waiting to be yielded in order
SMOOTHING = 0.3  # weight of the newest measure in a smoothed cost
# The speed-up the measured costs predict (``Plan.gain``) that is worth a second process. The
# prediction leaves out what this process spends reading and writing every row, handed over or
# not, and came out about a third too high on two idle cores (uniform lists, predicted about 1.9,
# ran 1.2-1.4 times faster; a repetitive list, predicted about 1.3, ran slower): a predicted
# gain under 1.5 is most likely none.
MIN_GAIN = 1.5

_JOB: Callable | None = None  # the job of this process, inherited by the forked workers


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` consecutive items (the last may be shorter)."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _smooth(old: float | None, new: float) -> float:
    return new if old is None else (1 - SMOOTHING) * old + SMOOTHING * new


class Plan:
    """Where the next block is scored, from the costs measured so far (CPU seconds a record).

    ``scoring``: scoring here; ``handing_over``: a record handed to a worker, this process's
    side; ``worker_scoring`` and ``worker_handing_over``: the same as a worker reports them (its
    caches are its own). ``None`` until measured. The methods are what ``map_blocks`` calls; a
    test may make a plan with fixed costs.
    """

    def __init__(self, workers: int, *, warm_up: int = WARM_UP, queued_per_worker: int = QUEUED_PER_WORKER) -> None:
        self.workers = workers  # forked workers
        self.queued_per_worker = queued_per_worker
        self.warming = warm_up
        self.scoring: float | None = None
        self.handing_over: float | None = None
        self.worker_scoring: float | None = None
        self.worker_handing_over: float | None = None
        self.blocks_here = 0
        self.blocks_handed = 0
        self._since_estimate = 0
        self._estimate_every = MEASURE_EVERY  # blocks between two estimates now
        self._measured_hand_over = False  # on a real hand-over, not an estimate
        self._guess = False  # ``scoring`` is the cost of a block with cold caches

    def pays(self) -> bool:
        """The speed-up the measured costs predict (``gain``) is worth a second process (``MIN_GAIN``)."""
        gain = self.gain()
        return gain is not None and gain >= MIN_GAIN

    def hand_over(self, queued: int) -> bool:
        """Whether the next block goes to a worker, the least busy of which has ``queued``
        blocks handed to it and not back yet: when it pays, and that worker has room for it."""
        return self.pays() and queued < self.queued_per_worker

    def gain(self) -> float | None:
        """The speed-up the costs measured so far predict from the workers, while this process is
        the bound (under 1: slower); None until both this process's costs are measured. A
        record handed over costs this process its hand-over instead of its scoring."""
        if self.scoring is None or self.handing_over is None:
            return None
        worker = (self.worker_scoring if self.worker_scoring is not None else self.scoring) + \
            (self.worker_handing_over if self.worker_handing_over is not None else self.handing_over)
        return 1.0 + self.workers * (self.scoring - self.handing_over) / worker

    def scored_here(self, records: int, seconds: float) -> None:
        """A block of ``records`` scored here in ``seconds`` of CPU."""
        self.blocks_here += 1
        cost = seconds / max(records, 1)
        if self.warming:  # cold caches: a first guess, which the next measure replaces
            self.warming -= 1
            self.scoring, self._guess = cost, True
            return
        self.scoring = cost if self._guess else _smooth(self.scoring, cost)
        self._guess = False
        self._since_estimate += 1

    def wants_estimate(self) -> bool:
        """Whether to estimate the hand-over on the block just scored here: nothing handed over
        lately tells what it costs (none at all yet, or ``MEASURE_EVERY`` blocks scored here since,
        more while estimates say it does not pay). The caches do not change it: the first block
        is as good as any."""
        return self.handing_over is None or (not self._measured_hand_over and
                                             self._since_estimate >= self._estimate_every)

    def estimated(self, records: int, seconds: float) -> None:
        """A block of ``records`` and its result pickled and unpickled here in ``seconds``."""
        self.handing_over = _smooth(self.handing_over, seconds / max(records, 1))
        self._since_estimate = 0
        self._estimate_every = MEASURE_EVERY if self.pays() else min(2 * self._estimate_every, MEASURE_AT_MOST)

    def handed(self, records: int, seconds: float) -> None:
        """A block of ``records`` handed over and its result taken back cost ``seconds`` here."""
        self.blocks_handed += 1
        self.handing_over = _smooth(self.handing_over, seconds / max(records, 1))
        self._measured_hand_over = True
        self._since_estimate = 0
        self._estimate_every = MEASURE_EVERY

    def idle(self) -> None:
        """No block is in a worker: what was measured on hand-overs grows old, estimate again."""
        self._measured_hand_over = False

    def reported(self, records: int, scoring: float, handing_over: float) -> None:
        """A worker scored a block of ``records`` in ``scoring`` seconds of its CPU and spent
        ``handing_over`` seconds unpickling it and pickling the result."""
        self.worker_scoring = _smooth(self.worker_scoring, scoring / max(records, 1))
        self.worker_handing_over = _smooth(self.worker_handing_over, handing_over / max(records, 1))


def estimate_hand_over(block: list, result: Any) -> float:
    """CPU seconds of pickling ``block`` and ``result`` and unpickling them, as a hand-over to a
    worker and back does (without the pipes' reads and writes)."""
    start = time.thread_time()
    pickle.loads(pickle.dumps(block, pickle.HIGHEST_PROTOCOL))
    pickle.loads(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
    return time.thread_time() - start


class _Entry:
    """A block on its way: scored here, or handed to a worker and waiting for its result."""

    __slots__ = ("block", "result", "done", "handed", "cost")

    def __init__(self, block: list, result: Any = None, handed: bool = True) -> None:
        self.block, self.result, self.done, self.handed = block, result, not handed, handed
        self.cost = 0.0  # CPU seconds this process spent handing it over


_TASK = struct.Struct("!Q")  # a task: the length of the pickled block that follows (0: stop)
_RESULT = struct.Struct("!QBdd")  # a result: length, 1 if a result (0: an exception), scoring and hand-over CPU seconds
_PIPE_BYTES = 1 << 20  # pipes widened to hold a block of CSV rows and its result whole, where the system allows


class _Worker:
    """A forked process that scores the blocks written to its task pipe and writes their results
    to its result pipe, in order. This process's ends are non-blocking: it never waits on a
    worker while it has something else to do, and needs no threads of its own."""

    def __init__(self, context: Any, tasks: tuple[int, int], results: tuple[int, int], others: list[int]) -> None:
        self.tasks, self.results = tasks[1], results[0]
        self.process = context.Process(target=_serve, args=(tasks[0], results[1], others), daemon=True)
        self.outbox = bytearray()  # framed blocks not written to the pipe yet
        self.inbox = bytearray()  # bytes read that do not make a whole result yet
        self.queued: collections.deque[_Entry] = collections.deque()  # handed over, result not back yet

    def send(self, entry: _Entry, payload: bytes) -> None:
        self.outbox += _TASK.pack(len(payload))
        self.outbox += payload
        self.queued.append(entry)
        self.flush()

    def flush(self) -> None:
        while self.outbox:
            try:
                written = os.write(self.tasks, self.outbox)
            except BlockingIOError:
                return
            del self.outbox[:written]

    def receive(self) -> None:
        """Read what the pipe holds; complete the entries whose results are whole. A result
        begun is read to its end: the worker writes it whole, from a thread of its own."""
        self._read()
        while len(self.inbox) >= _RESULT.size:
            size, ok, scoring, handing_over = _RESULT.unpack_from(self.inbox)
            end = _RESULT.size + size
            while len(self.inbox) < end:
                select.select([self.results], [], [])
                self._read()
            entry = self.queued.popleft()
            entry.result = (bytes(self.inbox[_RESULT.size:end]), ok, scoring, handing_over)
            entry.done = True
            del self.inbox[:end]

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.results, _PIPE_BYTES)
            except BlockingIOError:
                return
            if not chunk:
                self.process.join(1)
                from advisor.errors import AdvisorError

                raise AdvisorError(f"a worker process ended unexpectedly (exit code {self.process.exitcode}), "
                                   "perhaps for lack of memory; run again with fewer workers")
            self.inbox += chunk


def _widen(fd: int) -> None:
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    except (ImportError, AttributeError, OSError):  # not Linux, or above the system's limit: smaller pipes work too, with more waits
        pass


def _start(workers: int) -> list[_Worker]:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    pipes = [(os.pipe(), os.pipe()) for _ in range(workers)]
    every = [fd for pair in pipes for ends in pair for fd in ends]
    started = []
    for tasks, results in pipes:
        _widen(tasks[1])
        _widen(results[1])
        mine = {tasks[0], results[1]}
        started.append(_Worker(context, tasks, results, [fd for fd in every if fd not in mine]))
    for worker in started:
        worker.process.start()
    for tasks, results in pipes:
        os.close(tasks[0])
        os.close(results[1])
        os.set_blocking(tasks[1], False)
        os.set_blocking(results[0], False)
    return started


def _stop(started: list[_Worker], at_once: bool) -> None:
    for worker in started:
        if not at_once:
            try:
                os.write(worker.tasks, _TASK.pack(0))  # empty pipes at the end: eight bytes fit
            except OSError:
                at_once = True
    for worker in started:
        if at_once:
            worker.process.terminate()
        worker.process.join(None if not at_once else 5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        os.close(worker.tasks)
        os.close(worker.results)


def _wait(started: list[_Worker]) -> None:
    """Wait until a worker's result can be read (or a block written to a worker), and do it."""
    readable = [w.results for w in started if w.queued]
    writable = [w.tasks for w in started if w.outbox]
    select.select(readable, writable, [])
    for worker in started:
        worker.flush()
        worker.receive()


def map_blocks(job: Callable[[list[T]], R], blocks: Iterable[list[T]], workers: int = 1,
               plan: Plan | None = None) -> Iterator[tuple[list[T], R]]:
    """``(block, job(block))`` for each block, in order, the work shared by ``workers`` processes
    when handing a block over costs less than scoring it (see the module's doc). ``plan``: the
    decisions and the costs they are made from (a fresh ``Plan`` by default), to read after the
    run or, in a test, to make them."""
    if workers <= 1 or not hasattr(os, "fork"):  # no fork (Windows): one process
        for block in blocks:
            yield block, job(block)
        return

    global _JOB
    _JOB = job
    plan = plan or Plan(workers - 1)
    started: list[_Worker] = []  # forked the first time a block is handed over
    pending: collections.deque[_Entry] = collections.deque()  # every block in flight, in input order
    carried = 0.0  # CPU seconds spent reading and writing the pipes, not yet counted to a block handed over
    finished = False
    try:
        for block in blocks:
            if started:
                start = time.thread_time()
                for worker in started:
                    worker.flush()
                    worker.receive()
                carried += time.thread_time() - start
            least = min(started, key=lambda w: len(w.queued)) if started else None
            if plan.hand_over(len(least.queued) if least else 0):
                if not started:  # the fork is paid once: not a hand-over
                    started = _start(workers - 1)
                    least = started[0]
                start = time.thread_time()
                entry = _Entry(block)
                least.send(entry, pickle.dumps(block, pickle.HIGHEST_PROTOCOL))
                entry.cost = time.thread_time() - start
                pending.append(entry)
            else:  # the workers have enough to do, or handing over costs more than scoring
                start = time.thread_time()
                result = job(block)
                plan.scored_here(len(block), time.thread_time() - start)
                if plan.wants_estimate():
                    plan.estimated(len(block), estimate_hand_over(block, result))
                pending.append(_Entry(block, result, handed=False))
                if not any(w.queued for w in started):
                    plan.idle()
            while pending and (pending[0].done or len(pending) > MAX_PENDING * workers):
                if pending[0].done:
                    entry = pending.popleft()
                    if entry.handed:
                        value, carried = _result(entry, plan, carried), 0.0
                    yield entry.block, value if entry.handed else entry.result
                else:  # too far ahead of the first block in order: wait for it, a cost of handing over too
                    start = time.perf_counter()
                    _wait(started)
                    carried += time.perf_counter() - start
        while pending:
            entry = pending.popleft()
            if entry.handed:
                while not entry.done:
                    _wait(started)
                value = _result(entry, plan, 0.0)
            yield entry.block, value if entry.handed else entry.result
        finished = True
    finally:
        if started:
            _stop(started, at_once=not finished)
        _JOB = None


def _result(entry: _Entry, plan: Plan, carried: float) -> Any:
    """The result of a block handed over; its hand-over's cost goes into ``plan``."""
    payload, ok, scoring, handing_over = entry.result
    start = time.thread_time()
    value = pickle.loads(payload)
    if not ok:
        raise value
    plan.handed(len(entry.block), entry.cost + carried + time.thread_time() - start)
    plan.reported(len(entry.block), scoring, handing_over)
    return value


def _serve(tasks: int, results: int, others: list[int]) -> None:  # a worker's loop
    import queue
    import threading

    # Ctrl-C reaches the whole process group; the main process alone decides what to do.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for fd in others:
        os.close(fd)
    # Results are written by a thread: a result larger than the pipe (JSON lines: megabytes a
    # block) waits there for the main process to read it, while this one scores the next block.
    done: queue.SimpleQueue = queue.SimpleQueue()
    writer = threading.Thread(target=_write_results, args=(results, done), daemon=True)
    writer.start()
    with os.fdopen(tasks, "rb") as inbox:
        while header := inbox.read(_TASK.size):
            (size,) = _TASK.unpack(header)
            if not size:
                break
            start = time.process_time()
            items = pickle.loads(inbox.read(size))
            scoring = time.process_time()
            try:
                result, ok = _JOB(items), 1
            except Exception as exc:  # raised again where the block is collected, as it would be here
                result, ok = exc, 0
            scored = time.process_time()
            try:
                payload = pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # an exception that cannot be pickled
                payload, ok = pickle.dumps(RuntimeError(repr(exc if ok else result))), 0
            done.put((_RESULT.pack(len(payload), ok, scored - scoring, (scoring - start) + (time.process_time() - scored)),
                      payload))
    done.put(None)
    writer.join()


def _write_results(fd: int, done: Any) -> None:  # a worker's writing thread
    try:
        while (frame := done.get()) is not None:
            for part in frame:
                view = memoryview(part)
                while view:  # one write(2) a part, but for a signal
                    view = view[os.write(fd, view):]
    finally:
        os.close(fd)
