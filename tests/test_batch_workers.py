"""Forked workers: the output keeps the input order and equals a single-process run."""

from __future__ import annotations

import json

import pytest
from batch_data import client_rows, write_csv

import advisor


@pytest.fixture(autouse=True)
def always_hand_over(monkeypatch):
    """Hand every block it can to the workers, however cheap scoring is, so that they are used."""
    monkeypatch.setattr("advisor.batch.workers.HAND_OVER_BELOW", 0.0)


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

    monkeypatch.setattr("advisor.batch.workers.HAND_OVER_BELOW", 1.0)  # nothing is worth handing over
    pids = {pid for _, pid in map_blocks(lambda block: os.getpid(), chunked(range(40), 2), workers=2)}
    assert pids == {os.getpid()}


def test_the_first_blocks_fill_the_caches_and_do_not_decide(monkeypatch):
    import os
    import time

    from advisor.batch.workers import WARM_UP, chunked, map_blocks

    monkeypatch.setattr("advisor.batch.workers.HAND_OVER_BELOW", 0.001)  # worth it above 1 ms a record

    def job(block):
        if block[0] < 2 * WARM_UP:  # the first blocks are slow (25 ms of CPU a record): cold caches
            end = time.process_time() + 0.05
            while time.process_time() < end:
                pass
        return os.getpid()

    pids = {pid for _, pid in map_blocks(job, chunked(range(40), 2), workers=2)}
    assert pids == {os.getpid()}  # no worker was forked


@pytest.mark.parametrize("hand_over, shared", [(1.0, True), (5.0, False)])
def test_rows_costly_to_hand_back_stay_in_this_process(monkeypatch, hand_over, shared):
    # Scoring costs 0.2 ms of CPU a record: worth sharing for a CSV row, not for a JSON line
    # that costs five times as much to hand back.
    import os
    import time

    from advisor.batch.workers import chunked, map_blocks

    monkeypatch.setattr("advisor.batch.workers.HAND_OVER_BELOW", 80e-6)

    def job(block):
        end = time.process_time() + 0.0002 * len(block)
        while time.process_time() < end:
            pass
        return os.getpid()

    pids = {pid for _, pid in map_blocks(job, chunked(range(40), 2), workers=2, hand_over=hand_over)}
    assert (len(pids) == 2) is shared


def test_json_formats_are_costlier_to_hand_back_than_csv_rows():
    from advisor.batch.writers import make_format

    assert make_format("csv", "zh").hand_over == 1.0
    assert all(make_format(name, "zh").hand_over > 1.0 for name in ("jsonl", "json", "rows"))
