"""Forked workers: the output keeps the input order and equals a single-process run."""

from __future__ import annotations

import json

import pytest
from batch_data import client_rows, write_csv

import advisor


@pytest.fixture(autouse=True)
def always_hand_over(monkeypatch):
    """Hand every block it can to the workers, however cheap scoring is, so that they are used."""
    monkeypatch.setattr("advisor.batch.workers.SHARE_ABOVE", 0.0)


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
    strip = lambda text: text.split("\n", 1)[1]  # the headline holds the run time  # noqa: E731
    assert strip(one.read_text("utf-8")) == strip(two.read_text("utf-8"))


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

    from advisor.batch.workers import chunked, map_blocks

    monkeypatch.setattr("advisor.batch.workers.SHARE_ABOVE", 1e9)  # nothing is worth handing over
    pids = {pid for _, pid in map_blocks(lambda block: os.getpid(), chunked(range(40), 2), workers=2)}
    assert pids == {os.getpid()}


def test_the_first_blocks_fill_the_caches_and_do_not_decide(monkeypatch):
    import os
    import time

    from advisor.batch.workers import WARM_UP, chunked, map_blocks

    monkeypatch.setattr("advisor.batch.workers.SHARE_ABOVE", 2.0)

    def job(block):
        if block[0] < 2 * WARM_UP:  # the first blocks are slow (25 ms of CPU a record): cold caches
            end = time.process_time() + 0.05
            while time.process_time() < end:
                pass
        return os.getpid()

    pids = {pid for _, pid in map_blocks(job, chunked(range(40), 2), workers=2)}
    assert pids == {os.getpid()}  # no worker was forked


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

    from advisor.batch.workers import chunked, map_blocks

    monkeypatch.setattr("advisor.batch.workers.SHARE_ABOVE", 2.0)

    carried = [(n, "x") for n in range(result_items)]  # made once: the job's own cost is the 2 ms

    def job(block):
        _busy(0.002 * len(block))
        return os.getpid(), carried

    pids = {result[0] for _, result in map_blocks(job, chunked(range(40), 2), workers=2)}
    assert (len(pids) == 2) is shared


def test_the_hand_over_is_measured_on_what_a_worker_would_carry():
    from advisor.batch.workers import handing_over

    small = handing_over(list(range(100)), [b"x" * 10] * 100)
    large = handing_over(list(range(100)), [[(n, str(n)) for n in range(2000)] for _ in range(100)])
    assert large > 10 * small > 0
