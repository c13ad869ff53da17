"""The batch caches change the speed, never the output: cached == uncached, byte for byte."""

from __future__ import annotations

import random

import pytest
from batch_data import client_rows, write_csv

from advisor.assembly import DEFAULT_OPTIONS
from advisor.batch import scorer as scorer_module
from advisor.batch.scorer import Scorer
from advisor.errors import ProfileError
from advisor.pipeline import dated  # the options a run uses: the checklist dated today
from advisor.sources.records import Record


def varied_rows() -> list[dict[str, str]]:
    """Repeats, profiles that differ only in what no rule tests, and random ones."""
    rows = client_rows(300, seed=11)
    rng = random.Random(4)
    for n in range(60):  # same size band and budget band, other numbers: one rule evaluation, other thresholds
        rows.append({"name": f"近似{n}", "sector": "金融", "employees": str(rng.randint(300, 999)), "privacy": "高",
                     "budget": f"{rng.randint(50, 499)}万", "use_cases": rng.choice(["", "智能办公", "数据分析"])})
    rows += [dict(row, name=f"重名{n}") for n, row in enumerate(rows[:50])]  # the same cells, another name
    return rows


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cached_scoring_equals_uncached_scoring(lang):
    cached, uncached = Scorer(lang=lang), Scorer(lang=lang, cache=False)
    for number, row in enumerate(varied_rows(), start=1):
        record = Record(number, "t.csv", number + 1, row)
        name, fast = cached.score(record)
        same_name, reference = uncached.score(record)
        assert name == same_name
        assert fast.json_line(name) == reference.json_line(name), row
        assert fast.digest() == reference.digest()
    stats = cached.stats()
    assert stats["raw_hits"] > 0 and stats["slice_misses"] < stats["slice_lookups"]  # every cache was exercised


def test_uncached_scoring_is_advisor_recommend(advisor):
    import orjson

    from advisor.profile import parse_profile

    row = {"name": "示例银行", "employees": "5000", "sector": "金融", "privacy": "高", "budget": "800万"}
    name, decision = Scorer(lang="zh").score(Record(1, None, None, row))
    expected = advisor.recommend(parse_profile(row), "zh").model_dump(mode="json")
    assert orjson.loads(decision.json_line(name)) == expected
    assert decision.json_line(name) == orjson.dumps(expected)


def test_small_caches_still_give_the_same_output(monkeypatch):
    monkeypatch.setattr(scorer_module, "DECISIONS", 3)
    monkeypatch.setattr(scorer_module, "RAW_RECORDS", 5)
    small, reference = Scorer(lang="zh"), Scorer(lang="zh", cache=False)
    for number, row in enumerate(varied_rows()[:120], start=1):
        record = Record(number, None, None, row)
        name, decision = small.score(record)
        assert decision.json_line(name) == reference.score(record)[1].json_line(name)
    assert small.stats()["decisions_kept"] <= 2 * 3  # two generations of at most 3 (batch/cache.py)


def test_a_section_table_the_fast_path_cannot_cache_falls_back_to_recommend(monkeypatch, advisor):
    from dataclasses import replace

    from advisor.assembly import Reads

    # a section besides `profile` that reads the name: no decision could be shared between names
    sections = advisor.assembly("zh", dated(DEFAULT_OPTIONS)).sections
    named = tuple(replace(s, reads=Reads(name=True)) if s.key == "lang" else s for s in sections)
    monkeypatch.setattr(advisor.assembly("zh", dated(DEFAULT_OPTIONS)), "sections", named)
    fallback = Scorer(lang="zh")
    assert fallback._assembler is None
    row = client_rows(1, seed=2)[0]
    name, decision = fallback.score(Record(1, None, None, row))
    assert decision.json_line(name) == Scorer(lang="zh", cache=False).score(Record(1, None, None, row))[1].json_line(name)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_cli_no_cache_gives_identical_bytes(cli, tmp_path, fmt):
    path = write_csv(tmp_path / "c.csv", varied_rows())
    fast, slow = tmp_path / f"fast.{fmt}", tmp_path / f"slow.{fmt}"
    assert cli("batch", str(path), "-q", "-o", str(fast)).exit_code == 0
    assert cli("batch", str(path), "-q", "-o", str(slow), "--no-cache").exit_code == 0
    assert fast.read_bytes() == slow.read_bytes()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_batch_of_the_example_profiles_equals_advise_on_each(cli, lang):
    import json

    from conftest import PROFILES

    files = sorted(p for p in PROFILES.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    lines = cli("batch", str(PROFILES), "-q", "--lang", lang).stdout.splitlines()
    assert len(lines) == len(files) > 0
    for path, line in zip(files, lines):
        assert json.loads(line) == json.loads(cli("advise", str(path), "--format", "json", "--lang", lang).stdout)


def test_cell_by_cell_validation_gives_what_validating_the_whole_record_gives():
    from advisor.batch.cells import CellValidator
    from advisor.profile import parse_profile

    cells = CellValidator()
    rows = varied_rows() + client_rows(400, seed=23)
    for row in rows + rows:  # the second time round, every cell comes from the cache
        profile = parse_profile(row)
        assert cells.values(row) == (profile.name, {k: v for k, v in profile.__dict__.items() if k != "name"}), row


def test_a_csv_row_read_by_its_columns_gives_what_its_mapping_gives():
    """``CellValidator.columns`` (a CSV row's cells, no mapping made) against validating the whole
    record: the same name and values, None for every bad row, in any column order."""
    import random

    from advisor.batch.cells import CellValidator
    from advisor.errors import ProfileError
    from advisor.profile import parse_profile

    by_columns = CellValidator()
    rows = varied_rows() + client_rows(400, seed=29)
    rng = random.Random(3)
    bad = [{"sector": "火星"}, {"privacy": ""}, {"size": "", "employees": ""}, {"name": " "}, {"budget": "很多"}]
    checked = 0
    for row in rows + rows:
        row = {k: "" if v is None else ";".join(v) if isinstance(v, list) else str(v) for k, v in row.items()}
        if rng.random() < 0.2:
            row.update(rng.choice(bad))
        fields = tuple(rng.sample(sorted(row), len(row)) if rng.random() < 0.3 else row)
        cells = [row[f] for f in fields]
        got = by_columns.columns(fields, cells)
        try:
            profile = parse_profile(dict(zip(fields, cells)))
        except ProfileError:
            assert got is None, row  # a bad row is left to the whole-record check
            continue
        if got is not None:  # (None: not vouched for cell by cell, e.g. a name too long; checked whole)
            assert got == (profile.name, {k: v for k, v in profile.__dict__.items() if k != "name"}), row
        checked += got is not None
    assert 0 < checked < 2 * len(rows)  # both kinds met
    assert by_columns.columns(("name", "colour"), ["x", "red"]) is None  # not a profile field


@pytest.mark.parametrize("row", [
    {"name": "x", "sector": "火星", "size": "small", "privacy": "low", "budget": "low"},  # a bad cell
    {"name": "x", "sector": "finance", "privacy": "low", "budget": "low"},  # neither size nor employees
    {"name": "x", "sector": "finance", "size": "small", "privacy": "", "budget": "low"},  # a required field empty
    {"name": " ", "sector": "finance", "size": "small", "privacy": "low", "budget": "low"},  # no name
    {"name": "x", "sector": "finance", "size": "small", "privacy": "low", "budget": "low", "colour": "red"},
    {"name": "x", "sector": "finance", "size": "small", "privacy": "low", "budget": 5},  # not text: checked whole
])
def test_a_record_cell_validation_cannot_vouch_for_is_left_to_the_whole_record_check(row):
    from advisor.batch.cells import CellValidator

    assert CellValidator().values(row) is None


def test_the_recent_map_keeps_what_was_used_within_its_size_and_no_more_than_twice_that():
    from advisor.batch.cache import LRU

    recent = LRU(3)
    for n in range(10):
        recent.put(n, str(n))
        assert len(recent) <= 6
        assert all(recent.get(k) == str(k) for k in range(max(0, n - 2), n + 1))  # the last 3 put
    assert recent.get(0) is None and recent.misses >= 1
    recent = LRU(2)
    recent.put("a", 1)
    recent.put("b", 2)
    recent.put("c", 3)  # the young generation ("a", "b") becomes the old one
    assert recent.get("a") == 1  # found in the old generation: young again
    recent.put("d", 4)  # young ("c", "a") is full: it becomes old, "b" goes
    assert recent.get("b") is None and recent.get("a") == 1 and recent.get("c") == 3


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "table"])
def test_scoring_makes_no_cyclic_garbage(tmp_path, fmt):
    """``advisor batch`` hides what each block leaves from the cyclic collector (``gc.freeze``),
    which is right only if scoring makes no reference cycles: a cycle made per row would never be
    freed. Scored with the collector off, good and bad rows leave nothing for it to collect."""
    import gc

    from advisor.batch.run import ScoreChunk
    from advisor.batch.writers import make_format
    from advisor.sources.inputs import read_inputs

    path = write_csv(tmp_path / "clients.csv", client_rows(1200, seed=31, bad=True))
    records = list(read_inputs([str(path)]))
    job = ScoreChunk(Scorer(lang="zh"), make_format(fmt, "zh"))
    job(records[:100])  # the first block compiles slices and fills caches (made once, cycles or not)
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        bad = 0
        for start in range(0, len(records), 250):
            block = job(records[start:start + 250])
            bad += len(block.errors)
            assert gc.collect() == 0, start
        assert bad > 0  # bad rows were among them
    finally:
        if was:
            gc.enable()


def test_the_decision_cache_is_skipped_while_it_answers_nothing_and_tried_again(monkeypatch):
    monkeypatch.setattr(scorer_module, "PROBE", 10)
    monkeypatch.setattr(scorer_module, "PROBE_HITS", 2)
    monkeypatch.setattr(scorer_module, "SKIP", 20)
    scorer, reference = Scorer(lang="zh"), Scorer(lang="zh", cache=False)
    new = [dict(row, name=f"新{n}") for n, row in enumerate(client_rows(400, seed=5))]
    new = new[:30]

    def looked_up() -> int:
        stats = scorer.stats()
        return stats["decision_hits"] + stats["decision_misses"]

    for number, row in enumerate(new, start=1):
        scorer.score(Record(number, None, None, row))
    assert looked_up() == 10 and scorer.stats()["decision_hits"] == 0  # 10 tried (none answered), 20 skipped
    # five profiles again, each with other cells six times: the cache answers them, so it is kept on
    number = 100
    for spaces in range(1, 7):
        for row in new[:5]:
            row = dict(row, privacy=row.get("privacy", "") + " " * spaces)
            name, decision = scorer.score(Record(number, None, None, row))
            assert decision.json_line(name) == reference.score(Record(number, None, None, row))[1].json_line(name)
            number += 1
    assert looked_up() == 10 + 30 and scorer.stats()["decision_hits"] == 25


def test_the_raw_row_cache_is_skipped_while_it_answers_nothing_and_kept_while_rows_repeat(monkeypatch):
    monkeypatch.setattr(scorer_module, "PROBE", 10)
    monkeypatch.setattr(scorer_module, "PROBE_HITS", 2)
    monkeypatch.setattr(scorer_module, "SKIP", 20)
    scorer, reference = Scorer(lang="zh"), Scorer(lang="zh", cache=False)
    rows = client_rows(400, seed=5)
    rows = [row for n, row in enumerate(rows) if all({**row, "name": ""} != {**r, "name": ""} for r in rows[:n])][:30]
    assert len(rows) == 30

    def raw_lookups() -> int:
        return scorer.stats()["raw_hits"] + scorer.stats()["raw_misses"]

    number = 0
    for rounds, (some, hits, lookups) in enumerate([(rows, 0, 10), (rows[:5] * 12, 55, 70)]):
        for row in some:
            number += 1
            record = Record(number, None, None, dict(row, name=f"第{rounds}轮{number}"))
            name, decision = scorer.score(record)
            assert decision.json_line(name) == reference.score(record)[1].json_line(name)
        # new rows: 10 looked up (none answered), the cache emptied, 20 skipped; then five rows
        # again and again: each looked up, answered but the first time
        assert (scorer.stats()["raw_hits"], raw_lookups()) == (hits, lookups), rounds
        assert len(scorer._raw) == (1 if rounds == 0 else 6)  # (emptied: the row that tipped it is kept)


@pytest.mark.parametrize("cells", [
    ({"employees": 1}, {"employees": True}),  # true is no headcount
    ({"employees": 1, "startup": 1}, {"employees": 1, "startup": 1.0}),  # a yes/no is 1 or 0, not 1.0
    ({"employees": 3, "monthly_tokens": 0}, {"employees": 3, "monthly_tokens": False}),
])
def test_json_values_equal_in_python_but_not_the_same_cell_are_not_one_raw_row(cells):
    """A JSON record's raw key tells true from 1 and 1.0: the second record is refused, as uncached."""
    base = {"sector": "finance", "privacy": "high", "budget": "high"}
    good, bad = ({"name": f"r{n}", **base, **c} for n, c in enumerate(cells))
    cached, uncached = Scorer(lang="en"), Scorer(lang="en", cache=False)
    assert cached.score(Record(1, None, None, good))[1].json_line("r0") == \
        uncached.score(Record(1, None, None, good))[1].json_line("r0")
    with pytest.raises(ProfileError):
        uncached.score(Record(2, None, None, bad))
    with pytest.raises(ProfileError):
        cached.score(Record(2, None, None, bad))


def test_a_block_of_csv_rows_is_scored_as_each_row_on_its_own(tmp_path):
    """``Scorer.score_block`` (what ``advisor batch`` calls: new CSV rows validated column by
    column, their rules looked up for the whole block) against ``score`` row by row on a fresh
    scorer: one block holding repeated rows under other names, copies of a bad row, bad cells,
    empty and too long names, short and long rows, quoted cells (read by the csv module) and
    rows that mean the same profile in other words. The same name and decision (JSON line
    included), or the same error, for every row, in order."""
    from advisor.sources.inputs import read_inputs

    rows = client_rows(160, seed=21, bad=True)
    rows += [dict(row, name=f"又一个{n}") for n, row in enumerate(rows[:40])]  # the same cells, other names
    good = client_rows(8, seed=8)  # valid rows, each spoilt in one way below
    rows += [dict(good[0], sector="火星"), dict(good[0], sector="火星", name="坏行副本")]  # a bad row and its copy
    rows += [dict(good[1], name=""), dict(good[2], name="长" * 1001), dict(good[3], name='带"引号",的名字'),
             dict(good[4], budget="")]
    rows += [dict(good[5], privacy="high", name="同义"), dict(good[5], privacy="高", name="同义原文")]  # two spellings
    path = write_csv(tmp_path / "mixed.csv", rows)
    with path.open("a", encoding="utf-8-sig") as f:
        f.write("短行,小型\n")  # fewer cells than the header
        f.write(",".join(["长行"] + ["x"] * 40) + "\n")  # more
    records = list(read_inputs([str(path)]))
    assert len(records) >= 200
    block = Scorer(lang="en").score_block(records)
    one, errors = Scorer(lang="en"), 0
    for record, scored in zip(records, block):
        try:
            name, decision = one.score(record)
        except ProfileError as exc:
            assert isinstance(scored, ProfileError), record
            assert scored.text("en") == exc.text("en")
            errors += 1
            continue
        assert type(scored) is tuple and scored[0] == name, record
        assert scored[1].digest() == decision.digest(), record
        assert scored[1].json_line(name) == decision.json_line(name), record
    assert errors >= 6
