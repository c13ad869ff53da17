"""Knowledge lives in rules/: the Python code names no rule, and decides on no sector, mode or item."""

from __future__ import annotations

import re

from conftest import ROOT


def test_python_names_no_rule_id_and_no_category_value(advisor):
    pack = advisor.pack
    names = set(pack.by_id) | set(pack.items) | set(pack.facts) | set(pack.meta.tie_break) | set(pack.instruments)
    from advisor.vocabulary import vocabulary

    names |= set(vocabulary().enums["sector"]) | set(vocabulary().outputs["compliance_ids"])
    pattern = re.compile(r"""["'](%s)["']""" % "|".join(map(re.escape, sorted(names))))
    hits = []
    for path in sorted((ROOT / "advisor").rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert hits == []
