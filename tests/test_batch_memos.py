"""`advisor batch --memos DIR`: one memo per valid profile, safe and unique file names."""

from __future__ import annotations

import json

from conftest import as_json


CSV = """name,size,sector,privacy,budget,public_facing
Acme,small,ecommerce,low,low,是
acme,large,finance,high,high,否
Bad Co,huge,finance,high,high,否
<script>x</script> & Co,medium,education,medium,中,否
CON,micro,other,low,低,否
"""


def test_memos_are_written_for_valid_rows(cli, tmp_path):
    source = tmp_path / "clients.csv"
    source.write_text(CSV, encoding="utf-8")
    memos = tmp_path / "memos"
    result = cli("batch", str(source), "-o", str(tmp_path / "out.jsonl"), "--memos", str(memos),
                 "--memo-format", "markdown", "--memo-date", "2026-01-02", "--lang", "en")
    assert result.exit_code == 1  # one bad row
    assert "record 3" in result.stderr and "4 memos written to" in result.stderr
    names = sorted(p.name for p in memos.iterdir())
    # case-insensitive clash numbered; markup and reserved device names made safe
    assert len(names) == 4 and "Acme.md" in names and "acme-2.md" in names and "CON_.md" in names
    assert not any(c in n for n in names for c in '<>:"/\\|?*')
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    bank = next(r for r in rows if r.get("profile") == "acme")
    text = (memos / "acme-2.md").read_text(encoding="utf-8")
    assert bank["deployment"]["label"] in text and "2026" in text


def test_memo_matches_advise(cli, tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text("name: 北辰制造\nemployees: 1500\nsector: 工业\nprivacy: 高\nbudget: 2000万\n", encoding="utf-8")
    result = cli("batch", str(profile), "-o", str(tmp_path / "out.csv"), "--memos", str(tmp_path / "m"),
                 "--memo-date", "2026-01-02", "-q")
    assert result.exit_code == 0
    memo = (tmp_path / "m" / "北辰制造.md").read_text(encoding="utf-8")
    advised = as_json(cli("advise", str(profile), "-f", "json"))
    assert f"建议采用{advised['deployment']['label']}" in memo
    assert advised["rule_pack"]["version"] in memo
