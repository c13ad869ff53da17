"""One assembly: the section table is the recommendation's shape, and advise and batch share it."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from batch_data import client_rows

from advisor.assembly import DEFAULT_OPTIONS, SECTIONS, Reads
from advisor.batch.scorer import Scorer
from advisor.pipeline import dated  # the options a run uses: the checklist dated today
from advisor.recommendation import Recommendation
from advisor.sources.records import Record


def test_the_section_table_is_the_recommendation_in_order():
    assert tuple(Recommendation.model_fields) == tuple(s.key for s in SECTIONS)


def test_only_the_first_section_reads_the_name():
    assert [s.key for s in SECTIONS if s.reads.name] == ["profile"]


def test_no_import_circle_between_the_pipeline_and_the_batch():
    import ast
    from pathlib import Path

    from conftest import ROOT

    for module in ("pipeline", "assembly", "ranking", "resolution"):
        tree = ast.parse(Path(ROOT / "advisor" / f"{module}.py").read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not any(m.startswith("advisor.batch") for m in imported), module


def rows() -> list[dict[str, str]]:
    rng = random.Random(3)
    out = client_rows(150, seed=5)
    for n in range(40):  # numbers: thresholds per profile
        out.append({"name": f"数{n}", "sector": rng.choice(["金融", "医疗", "工业"]), "employees": str(rng.randint(5, 5000)),
                    "privacy": rng.choice(["高", "低"]), "budget": f"{rng.randint(5, 900)}万"})
    return out


@pytest.mark.parametrize("reads", [
    Reads(effects=frozenset({"derive"}), fields=("budget_cny", "use_cases")),  # read per profile
    Reads(effects=frozenset({"derive"}), decision=True),  # kept per decision
])
def test_a_section_reading_more_is_cached_on_what_it_reads_and_stays_identical(monkeypatch, advisor, reads):
    # The batch follows a section's declared reads: declaring more changes its caching, not its bytes.
    table = tuple(replace(s, reads=reads) if s.key == "derived_facts" else s for s in SECTIONS)
    monkeypatch.setattr(advisor.assembly("zh", dated(DEFAULT_OPTIONS)), "sections", table)
    fast, reference = Scorer(lang="zh"), Scorer(lang="zh", cache=False)
    assert fast._assembler is not None
    for number, row in enumerate(rows(), start=1):
        record = Record(number, None, None, row)
        name, decision = fast.score(record)
        assert decision.json_line(name) == reference.score(record)[1].json_line(name), row
