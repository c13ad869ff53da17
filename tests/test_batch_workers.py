"""Forked workers: the output keeps the input order and equals a single-process run."""

from __future__ import annotations

import json

import pytest
from batch_data import client_rows, write_csv

import advisor


@pytest.fixture(autouse=True)
def always_hand_over(monkeypatch):
    """Hand every block it can to the workers, however cheap scoring is, so that they are used."""
    monkeypatch.setattr("advisor.batch.workers.Plan.pays", lambda self: True)


@pytest.fixture(scope="module")
def big_list(tmp_path_factory):
    """2,300 rows (five chunks), with bad rows, so that chunks finish out of order."""
    rows = client_rows(2300, seed=21, bad=True)
    for n in range(400, 2300, 301):
        rows[n] = {"name": f"坏{n}", "sector": "finance", "privacy": "low", "budget": "low"}  # no size
    return write_csv(tmp_path_factory.mktemp("w") / "clients.csv", rows)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
def test_two_workers_write_exactly_what_one_process_writes(cli, big_list, tmp_path, fmt):
    one, two = tmp_path / f"one.{fmt}", tmp_path / f"two.{fmt}"
    first = cli("batch", str(big_list), "-q", "-o", str(one))
    second = cli("batch", str(big_list), "-q", "-o", str(two), "--workers", "2")
    assert first.exit_code == second.exit_code == 1
    assert one.read_bytes() == two.read_bytes()
    assert first.stderr == second.stderr  # the bad rows are reported in input order too


def test_records_come_back_in_input_order(cli, big_list):
    lines = [json.loads(line) for line in cli("batch", str(big_list), "-q", "-j", "2").stdout.splitlines()]
    assert len(lines) == 2300
    for number, line in enumerate(lines, start=1):
        if "error" in line:
            assert line["record"] == number
        else:
            assert line["profile"] == f"客户{number:05d}"
    assert sum("error" in line for line in lines) == 4 + 7


def test_summary_is_the_same_with_workers(cli, big_list, tmp_path):
    one, two = tmp_path / "one.md", tmp_path / "two.md"
    cli("batch", str(big_list), "-q", "--summary", str(one))
    cli("batch", str(big_list), "-q", "--summary", str(two), "-j", "2")
    assert one.read_bytes() == two.read_bytes()  # a summary file holds no run time: the same bytes


def test_score_many_with_workers_equals_one_process():
    rows = client_rows(1200, seed=8, bad=True)
    assert list(advisor.score_many(rows, workers=2)) == list(advisor.score_many(rows))


def test_workers_really_score_blocks(monkeypatch):
    import os

    from advisor.batch.workers import chunked, map_blocks

    pids = {pid for _, pid in map_blocks(lambda block: os.getpid(), chunked(range(40), 2), workers=2)}
    assert os.getpid() in pids and len(pids) == 2  # this process and the forked worker


def test_cheap_blocks_stay_in_this_process(monkeypatch):
    import os

    from advisor.batch.workers import Plan, chunked, map_blocks

    monkeypatch.setattr(Plan, "pays", lambda self: False)  # nothing is worth handing over
    plan = Plan(1)
    pids = {pid for _, pid in map_blocks(lambda block: os.getpid(), chunked(range(40), 2), workers=2, plan=plan)}
    assert pids == {os.getpid()}
    assert plan.blocks_here == 20 and plan.blocks_handed == 0


def test_the_first_blocks_cost_is_a_guess_the_next_one_replaces(monkeypatch):
    # The first block is slow (25 ms of CPU a record: cold caches), the others cost nothing: the
    # two blocks after the first go to the worker, then the blocks stay here.
    import os
    import time

    from advisor.batch.workers import QUEUED_PER_WORKER, Plan, chunked, map_blocks

    monkeypatch.undo()  # the plan decides from the costs

    def job(block):
        if block[0] == 0:
            end = time.process_time() + 0.05
            while time.process_time() < end:
                pass
        return os.getpid()

    plan = Plan(1)
    pids = [pid for _, pid in map_blocks(job, chunked(range(40), 2), workers=2, plan=plan)]
    assert pids[0] == os.getpid() and os.getpid() not in pids[1:1 + QUEUED_PER_WORKER]
    assert pids[1 + QUEUED_PER_WORKER:] == [os.getpid()] * (20 - 1 - QUEUED_PER_WORKER)
    assert plan.scoring < 0.001 and plan.blocks_handed == QUEUED_PER_WORKER and not plan.pays()


def _busy(seconds: float) -> None:
    import time

    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


@pytest.mark.parametrize("result_items, shared", [(1, True), (200_000, False)])
def test_work_is_shared_when_scoring_costs_more_than_handing_over(monkeypatch, result_items, shared):
    # Scoring costs 2 ms of CPU a record. A result of one object a block is cheap to hand back:
    # worth sharing. One of 200,000 small objects a block (tens of ms to pickle and unpickle)
    # costs far more than scoring it: it stays here.
    import os

    from advisor.batch.workers import Plan, chunked, map_blocks

    monkeypatch.undo()  # the plan decides from the costs
    carried = [(n, "x") for n in range(result_items)]  # made once: the job's own cost is the 2 ms

    def job(block):
        _busy(0.002 * len(block))
        return os.getpid(), carried

    plan = Plan(1)
    pids = {result[0] for _, result in map_blocks(job, chunked(range(40), 2), workers=2, plan=plan)}
    assert (len(pids) == 2) is shared
    assert (plan.blocks_handed > 0) is shared
    if shared:  # measured on the real hand-overs, and by the worker on its side
        assert 0 < plan.handing_over < plan.scoring and plan.worker_scoring > 0.001
        assert plan.gain() > 1.5


def test_the_hand_over_is_measured_on_what_a_worker_would_carry():
    from advisor.batch.workers import estimate_hand_over

    small = estimate_hand_over(list(range(100)), [b"x" * 10] * 100)
    large = estimate_hand_over(list(range(100)), [[(n, str(n)) for n in range(2000)] for _ in range(100)])
    assert large > 10 * small > 0


# --- the decisions, from given costs (CPU seconds a record) ----------------------------------------

US = 1e-6


def _plan(scoring_us: float, hand_over_us: float, *, real: bool = False):
    """A plan past its warm-up that measured these costs (on a real hand-over, or estimated)."""
    from advisor.batch.workers import Plan

    plan = Plan(1, warm_up=1)
    plan.scored_here(1000, 1.0)  # the first block: cold caches, a millisecond a record, a guess replaced below
    plan.scored_here(1000, scoring_us * US * 1000)
    (plan.handed if real else plan.estimated)(1000, hand_over_us * US * 1000)
    return plan


@pytest.mark.parametrize("scoring_us, hand_over_us, pays", [
    (110, 8, True),  # new profiles as CSV rows, today
    (35, 8, True),  # new profiles once scoring is three times cheaper: still worth a worker
    (1000, 60, True),  # new profiles as full JSON lines: a large hand-over, a far larger scoring
    (12, 8, False),  # a list of repeated and new profiles: a fifth more predicted, likely none in practice
    (4, 6, False),  # a repetitive list answered from the caches: handing over costs more than scoring
    (6, 6, False),  # where they meet: nothing to gain
    (24, 8, True),  # half again predicted: the least worth a worker (MIN_GAIN)
], ids=["uniform-csv", "uniform-cheaper", "uniform-jsonl", "mixed", "skewed", "break-even", "at-the-least"])
def test_blocks_are_handed_over_when_the_predicted_gain_is_worth_a_worker(monkeypatch, scoring_us, hand_over_us, pays):
    monkeypatch.undo()
    plan = _plan(scoring_us, hand_over_us)
    assert plan.pays() is pays
    assert plan.hand_over(0) is pays
    assert plan.gain() == pytest.approx(1 + (scoring_us - hand_over_us) / (scoring_us + hand_over_us))


def test_the_gain_says_what_a_worker_brings(monkeypatch):
    monkeypatch.undo()
    assert _plan(110, 8).gain() > 1.8  # close to two processes' worth
    assert 1.6 < _plan(35, 8).gain() < 1.7
    plan = _plan(110, 8)
    plan.reported(1000, 0.220, 0.008)  # the worker's own caches make its scoring twice as dear
    assert 1.4 < plan.gain() < 1.5


def test_a_busy_worker_gets_no_more_blocks_and_this_process_scores_them(monkeypatch):
    from advisor.batch.workers import QUEUED_PER_WORKER

    monkeypatch.undo()
    plan = _plan(110, 8)
    assert [plan.hand_over(queued) for queued in range(QUEUED_PER_WORKER + 2)] == \
        [True] * QUEUED_PER_WORKER + [False, False]


def test_nothing_is_decided_before_both_costs_are_measured(monkeypatch):
    from advisor.batch.workers import Plan

    monkeypatch.undo()
    plan = Plan(1, warm_up=1)
    assert not plan.hand_over(0) and plan.gain() is None and plan.wants_estimate()
    plan.scored_here(1000, 0.5)  # the first block, with cold caches: 500 µs a record, a first guess
    assert plan.scoring == 0.0005 and not plan.hand_over(0) and plan.wants_estimate()
    plan.estimated(1000, 0.005)
    assert plan.hand_over(0) and not plan.wants_estimate()
    plan.scored_here(1000, 0.004)  # warm caches: 4 µs a record replaces the guess
    assert plan.scoring == 0.000004 and not plan.hand_over(0)
    plan.scored_here(1000, 0.1)  # new profiles: 100 µs a record, smoothed from here on
    assert plan.scoring == pytest.approx(0.7 * 4e-6 + 0.3 * 1e-4) and plan.hand_over(0)


def test_a_list_that_turns_repetitive_stops_handing_over_and_turns_back(monkeypatch):
    monkeypatch.undo()
    plan = _plan(110, 5, real=True)
    assert plan.pays()
    for _ in range(12):  # the profiles now come from the caches: 3 µs a record
        plan.scored_here(1000, 0.003)
    assert not plan.pays() and plan.gain() < 1.5
    for _ in range(12):  # new profiles again
        plan.scored_here(1000, 0.110)
    assert plan.pays()


def test_a_real_hand_over_outweighs_the_estimate_until_none_is_made(monkeypatch):
    from advisor.batch.workers import MEASURE_EVERY

    monkeypatch.undo()
    plan = _plan(20, 5)  # the estimate says it pays
    for _ in range(6):  # the real hand-overs (pipes, waits for a worker) cost more than scoring
        plan.handed(1000, 0.040)
    assert not plan.pays()
    for _ in range(MEASURE_EVERY):  # while real measures are fresh, no estimate replaces them
        plan.scored_here(1000, 0.020)
    assert not plan.wants_estimate()
    plan.idle()  # nothing in the workers any more: estimate again, now and then
    assert plan.wants_estimate()
    for _ in range(12):
        plan.estimated(1000, 0.005)
    assert plan.pays()


# --- handing over, on real worker processes ----------------------------------------------------------


class _Fixed:
    """A plan with given decisions: hand over whenever a worker has room."""

    def __new__(cls, pays: bool):
        from advisor.batch.workers import Plan

        plan = Plan(1, warm_up=0)
        plan.pays = lambda: pays
        return plan


def test_this_process_scores_only_while_the_worker_is_full():
    # The worker holds its blocks until this process has scored four of its own: the first two
    # blocks go to the worker (its queue holds two), the next four are scored here.
    import multiprocessing
    import os

    from advisor.batch.workers import QUEUED_PER_WORKER, chunked, map_blocks

    assert QUEUED_PER_WORKER == 2
    here = os.getpid()
    release = multiprocessing.get_context("fork").Event()
    scored_here = []

    def job(block):
        if os.getpid() != here:
            release.wait(30)
        else:
            scored_here.append(block[0])
            if len(scored_here) == 4:
                release.set()
        return os.getpid()

    results = list(map_blocks(job, chunked(range(40), 2), workers=2, plan=_Fixed(True)))
    assert [block[0] for block, _ in results] == list(range(0, 40, 2))  # in order
    pids = [pid for _, pid in results]
    assert pids[0] == pids[1] != here
    assert pids[2:6] == [here] * 4
    assert scored_here[:4] == [4, 6, 8, 10]


def test_a_failure_in_a_worker_is_raised_here():
    from advisor.batch.workers import chunked, map_blocks

    def job(block):
        if block[0] == 6:
            raise ValueError(f"block {block[0]} is bad")
        return len(block)

    blocks = map_blocks(job, chunked(range(40), 2), workers=2, plan=_Fixed(True))
    with pytest.raises(ValueError, match="block 6 is bad"):
        list(blocks)


def test_a_worker_that_dies_is_an_error_not_a_hang():
    import os

    from advisor.batch.workers import chunked, map_blocks

    here = os.getpid()

    def job(block):
        if os.getpid() != here:
            os._exit(9)
        return len(block)

    from advisor.errors import AdvisorError

    with pytest.raises(AdvisorError, match=r"a worker process ended unexpectedly \(exit code 9\)") as raised:
        list(map_blocks(job, chunked(range(40), 2), workers=2, plan=_Fixed(True)))
    assert raised.value.text("zh").startswith("一个工作进程意外结束（退出码 9）")


def test_stopping_early_ends_the_workers_at_once():
    import multiprocessing
    import time

    from advisor.batch.workers import chunked, map_blocks

    def job(block):
        time.sleep(0.01)
        return len(block)

    blocks = map_blocks(job, chunked(range(400), 2), workers=3, plan=_Fixed(True))
    assert [next(blocks)[1] for _ in range(5)] == [2] * 5
    assert len(multiprocessing.active_children()) == 2
    blocks.close()
    assert multiprocessing.active_children() == []


def test_estimates_that_say_handing_over_does_not_pay_come_less_and_less_often(monkeypatch):
    from advisor.batch.workers import MEASURE_AT_MOST, MEASURE_EVERY, Plan

    monkeypatch.undo()
    plan = Plan(1, warm_up=0)
    gaps, since = [], 0
    for _ in range(400):  # a repetitive list: 3 µs a record to score, 3 µs to hand over
        plan.scored_here(1000, 0.003)
        since += 1
        if plan.wants_estimate():
            plan.estimated(1000, 0.003)
            gaps.append(since)
            since = 0
    assert not plan.pays()
    # the first block, then twice the gap after each estimate that says no (4 blocks before any)
    assert gaps[:6] == [1, 2 * MEASURE_EVERY, 4 * MEASURE_EVERY, 8 * MEASURE_EVERY, MEASURE_AT_MOST, MEASURE_AT_MOST]
    for _ in range(3):  # new profiles: scoring alone says it pays now, without waiting for an estimate
        plan.scored_here(1000, 0.100)
    assert plan.pays() and plan.hand_over(0)
    plan.handed(1000, 0.004)  # a real hand-over: estimates, when they come back, start again often
    plan.idle()
    for _ in range(MEASURE_EVERY):
        plan.scored_here(1000, 0.100)
    assert plan.wants_estimate()
