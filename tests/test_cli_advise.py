"""`advisor advise` as a user runs it: every example, every format and language, every error."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import yaml
from wcwidth import wcswidth

from conftest import MINIPACK, PROFILES, ROOT, as_json

EXAMPLES = sorted(PROFILES.glob("*.yaml"))
FORMATS = ["table", "json", "yaml", "markdown"]
CONTRACT_MODES = {"on_premise", "saas", "paas", "maas", "hybrid", "aaas"}
CONTRACT_PRICING = {"annual_license", "perpetual_license", "person_day_services", "subscription", "advertising",
                    "pay_per_use", "revenue_share", "usage_metered"}


def test_there_are_enough_examples():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_example_in_every_format(cli, path, lang):
    outputs = {}
    for fmt in FORMATS:
        result = cli("advise", str(path), "--format", fmt, "--lang", lang)
        assert result.exit_code == 0, result.stderr
        assert result.stderr == ""
        outputs[fmt] = result.stdout
    data = json.loads(outputs["json"])
    assert yaml.safe_load(outputs["yaml"]) == data
    assert data["deployment"]["mode"] in CONTRACT_MODES
    assert data["profile"] in outputs["table"] and data["deployment"]["label"] in outputs["markdown"]
    for line in outputs["table"].splitlines():
        assert wcswidth(line) <= 80, line


def test_all_six_modes_appear_in_the_examples(cli):
    modes = {as_json(cli("advise", str(p), "-f", "json"))["deployment"]["mode"] for p in EXAMPLES}
    assert modes == CONTRACT_MODES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_json_follows_the_contract(cli, path):
    data = as_json(cli("advise", str(path), "--format", "json", "--lang", "en"))
    dep = data["deployment"]
    assert {a["mode"] for a in dep["alternatives"]} | {dep["mode"]} == CONTRACT_MODES
    assert len(dep["alternatives"]) == 5
    # the modes left best first, then the excluded ones (contract §4.3); the chosen one is not excluded
    excluded = {e["mode"] for e in dep["excluded"]}
    assert dep["mode"] not in excluded
    assert [a["excluded"] for a in dep["alternatives"]] == sorted(a["mode"] in excluded for a in dep["alternatives"])
    left = [dep["score"]] + [a["score"] for a in dep["alternatives"] if not a["excluded"]]
    assert left == sorted(left, reverse=True)
    assert all(e["rules"] and e["reason"] for e in dep["excluded"])
    assert dep["decided_by"] in ("score", "evidence", "tie_break", "only_allowed")
    assert set(data["pricing"]["models"]) <= CONTRACT_PRICING and data["pricing"]["models"]
    assert not {e["model"] for e in data["pricing"]["excluded"]} & set(data["pricing"]["models"])
    size = data["model_size"]
    if size["chosen_by"] == "vendor":  # SaaS: the vendor's model, no range to choose
        assert dep["mode"] == "saas" and size["min_params_b"] is None is size["max_params_b"]
    else:
        assert 0 < size["min_params_b"] <= size["max_params_b"]
    assert all(c["fields"] and c["text"] and c["rules"] for c in data["conflicts"])
    fired = {t["rule"] for t in data["trace"]}
    named = set(dep["rules"]) | set(data["pricing"]["rules"]) | set(data["model_size"]["rules"])
    named |= {r for c in data["compliance"] for r in c["rules"]}
    named |= {r for e in dep["excluded"] for r in e["rules"]} | {r for e in data["pricing"]["excluded"] for r in e["rules"]}
    named |= {r for c in data["conflicts"] for r in c["rules"]}
    assert named <= fired
    assert all(t["source"] and t["because"] for t in data["trace"])
    for item in data["compliance"]:
        assert item["status"] in ("required", "recommended") and item["basis"] and item["effective"]
    statuses = [c["status"] for c in data["compliance"]]
    assert statuses == sorted(statuses, key=lambda s: s != "required")  # required first
    assert data["rule_pack"]["version"].startswith("sha256:")


def test_same_input_same_bytes():
    path = str(EXAMPLES[0])
    runs = [subprocess.run([sys.executable, "-m", "advisor", "advise", path, "-f", "json"],
                           capture_output=True, check=True).stdout for _ in range(2)]
    assert runs[0] == runs[1]


def test_standard_input(cli):
    text = EXAMPLES[0].read_text(encoding="utf-8")
    from_stdin = cli("advise", "-", "-f", "json", input=text)
    from_file = cli("advise", str(EXAMPLES[0]), "-f", "json")
    assert from_stdin.exit_code == 0 and as_json(from_stdin) == as_json(from_file)


def test_json_profile_and_chinese_labels(cli):
    text = json.dumps({"name": "某制造", "employees": 1500, "sector": "工业", "privacy": "高",
                       "budget": "2000万", "has_gpu_infrastructure": "是"}, ensure_ascii=False)
    data = as_json(cli("advise", "-", "-f", "json", input=text))
    assert data["profile"] == "某制造"
    assert {t["field"]: t["value"] for t in data["thresholds"]} == {"size": "large", "budget": "high"}


def test_languages_differ_only_in_text(cli):
    zh = as_json(cli("advise", str(EXAMPLES[0]), "-f", "json", "--lang", "zh"))
    en = as_json(cli("advise", str(EXAMPLES[0]), "-f", "json", "--lang", "en"))
    assert zh["deployment"]["mode"] == en["deployment"]["mode"]
    assert [t["rule"] for t in zh["trace"]] == [t["rule"] for t in en["trace"]]
    assert zh["trace"][0]["because"] != en["trace"][0]["because"]


def test_custom_rule_pack(cli):
    result = cli("advise", str(EXAMPLES[0]), "-f", "json", "--rules", str(MINIPACK))
    data = as_json(result)
    assert data["rule_pack"]["name"] == "mini"
    assert {t["rule"] for t in data["trace"]} <= {"T-SAAS", "T-DEVICE", "T-SENSITIVE", "T-ONPREM",
                                                  "T-NOT-SENSITIVE", "T-PRICE-SAAS", "T-SIZE", "T-MLPS"}


def test_bad_profile_exits_2_with_one_message(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: X\nsize: huge\nsector: finance\nprivacy: low\nbudget: low\n", encoding="utf-8")
    result = cli("advise", str(bad))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"advisor: error: {bad}: invalid profile: field 'size': value 'huge'")
    assert "micro (微型)" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("content,expected", [
    ("name: [unclosed\n", "not valid YAML/JSON"),
    ("", "empty"),
    ("- a\n- b\n", "a profile is a mapping"),
    (b"name: \x81\x20bad\n", "line 1: not valid GB18030 text"),
])
def test_unreadable_profiles(cli, tmp_path, content, expected):
    path = tmp_path / "p.yaml"
    (path.write_bytes if isinstance(content, bytes) else lambda c: path.write_text(c, encoding="utf-8"))(content)
    result = cli("advise", str(path))
    assert result.exit_code == 2 and expected in result.stderr and "Traceback" not in result.stderr


def test_missing_file(cli):
    result = cli("advise", "nowhere.yaml")
    assert result.exit_code == 2 and "nowhere.yaml: no such file" in result.stderr


def test_broken_rule_pack_is_reported_by_file_and_id(cli, tmp_path):
    pack = tmp_path / "pack"
    shutil.copytree(MINIPACK, pack)
    text = (pack / "pack.yaml").read_text(encoding="utf-8").replace("when: {on_device: true}", "when: {on_devise: true}")
    (pack / "pack.yaml").write_text(text, encoding="utf-8")
    result = cli("advise", str(EXAMPLES[0]), "--rules", str(pack))
    assert result.exit_code == 2
    assert "pack.yaml: rule T-DEVICE: condition on unknown field 'on_devise' (did you mean 'on_device'?)" in result.stderr


def test_bad_option_exits_2(cli):
    result = cli("advise", str(EXAMPLES[0]), "--format", "pdf")
    assert result.exit_code == 2 and "'pdf' is not one of" in result.stderr


def test_no_traceback_in_a_real_process(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: X\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "advisor", "advise", str(bad)], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "field 'sector' is required" in proc.stderr
