"""`advisor whatif` and ``advisor.whatif``: "after" is what advise gives for the edited profile."""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import PROFILES, as_json

EXAMPLES = sorted(PROFILES.glob("*.yaml"))
# One change of each kind of field: enum, bool, list, budget band, budget amount, integer.
CHANGES = [
    {"privacy": "low"},
    {"critical_infrastructure": True},
    {"use_cases": ["content_generation", "marketing"]},
    {"budget": "low"},
    {"budget": "80万"},
    {"size": None, "employees": 30},
    {"ml_team": "none", "has_gpu_infrastructure": False},
]


def _edited(path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for field, value in change.items():
        if value is None:
            data.pop(field, None)
        else:
            data[field] = value
    return data


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("change", CHANGES, ids=lambda c: ",".join(c))
def test_after_is_what_advise_gives_for_the_edited_profile(cli, tmp_path, path, change):
    from advisor.whatif import whatif

    result = whatif(yaml.safe_load(path.read_text(encoding="utf-8")), change, lang="zh")
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(_edited(path, change), allow_unicode=True), encoding="utf-8")
    assert result["after"] == as_json(cli("advise", str(edited), "--format", "json"))
    assert result["before"] == as_json(cli("advise", str(path), "--format", "json"))


def test_the_cli_json_is_before_after_and_diff(cli, tmp_path):
    path = PROFILES / "05-hybrid-bank.yaml"
    result = cli("whatif", str(path), "--set", "privacy=低", "--set", "预算=低", "--format", "json", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    data = as_json(result)
    assert set(data) == {"before", "after", "diff"}
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(_edited(path, {"privacy": "low", "budget": "low"}), allow_unicode=True))
    assert data["after"] == as_json(cli("advise", str(edited), "--format", "json", "--lang", "en"))
    # every difference is real, and every real difference is listed
    for d in data["diff"]:
        assert d["before"] != d["after"]
    assert {d["path"] for d in data["diff"]} >= {"deployment.score", "trace[DEP-LOW-BUDGET]"}


def test_diff_names_entries_by_their_identity():
    from advisor.whatif import diff

    before = {"compliance": [{"id": "a", "status": "required"}, {"id": "b", "status": "recommended"}],
              "deployment": {"mode": "x", "alternatives": [{"mode": "y", "score": 1}]}, "pricing": {"models": ["p"]}}
    after = {"compliance": [{"id": "b", "status": "required"}, {"id": "c", "status": "recommended"}],
             "deployment": {"mode": "x", "alternatives": [{"mode": "y", "score": 2}]}, "pricing": {"models": ["p", "q"]}}
    assert diff(before, after) == [
        {"path": "compliance[a]", "before": {"id": "a", "status": "required"}, "after": None},
        {"path": "compliance[b].status", "before": "recommended", "after": "required"},
        {"path": "compliance[c]", "before": None, "after": {"id": "c", "status": "recommended"}},
        {"path": "deployment.alternatives[y].score", "before": 1, "after": 2},
        {"path": "pricing.models", "before": ["p"], "after": ["p", "q"]},
    ]
    assert diff(before, before) == []


def test_lists_without_a_unique_identity_are_compared_whole():
    from advisor.whatif import diff

    before = {"notes": [{"rule": "R", "text": "a"}, {"rule": "R", "text": "b"}]}
    after = {"notes": [{"rule": "R", "text": "a"}]}
    assert diff(before, after) == [{"path": "notes", "before": before["notes"], "after": after["notes"]}]


def test_the_table_shows_only_what_changed(cli):
    args = ("whatif", str(PROFILES / "05-hybrid-bank.yaml"), "--set", "critical_infrastructure=否")
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "关键信息基础设施 由 是 改为 否" in out
    data = as_json(cli(*args, "--format", "json"))
    assert data["diff"] and any(d["path"].startswith("compliance[") for d in data["diff"])
    rows = [line.split()[0] for line in out.split("-----\n", 1)[1].splitlines() if line and not line.startswith(" ")]
    assert rows == [d["path"] for d in data["diff"]]  # one row per difference, nothing else
    assert "deployment.mode" not in out  # the mode stays, so it is not a row
    assert f"推荐的部署模式不变：{data['after']['deployment']['label']} (hybrid)" in out


def test_a_change_to_the_same_value_changes_nothing(cli):
    result = cli("whatif", str(PROFILES / "05-hybrid-bank.yaml"), "--set", "privacy=high", "--lang", "en")
    assert result.exit_code == 0
    assert "The changed answers are the same as before." in result.stdout
    assert "Nothing in the recommendation changes." in result.stdout


def test_chinese_labels_and_field_names_are_understood():
    from advisor.profile import parse_profile
    from advisor.whatif import apply_changes

    profile = parse_profile(yaml.safe_load((PROFILES / "05-hybrid-bank.yaml").read_text(encoding="utf-8")))
    edited = apply_changes(profile, {"隐私要求": "低", "budget": "1.2亿", "应用场景": "内容生成;智能营销"})
    assert (edited.privacy, edited.budget, edited.use_cases) == ("low", 120_000_000, ["content_generation", "marketing"])


def test_an_empty_value_makes_the_field_absent():
    from advisor.profile import parse_profile
    from advisor.whatif import apply_changes

    profile = parse_profile({"name": "A", "size": "large", "employees": 20, "sector": "finance", "privacy": "low",
                             "budget": "low"})
    assert apply_changes(profile, {"size": ""}).size is None


def test_unknown_field_is_exit_2_with_the_allowed_fields(cli):
    result = cli("whatif", str(PROFILES / "05-hybrid-bank.yaml"), "--set", "privac=high")
    assert result.exit_code == 2
    assert "unknown field 'privac' (did you mean 'privacy'?)" in result.stderr
    assert "allowed fields: name, size, employees" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_value_is_exit_2_with_the_allowed_values(cli):
    result = cli("whatif", str(PROFILES / "05-hybrid-bank.yaml"), "--set", "privacy=secret", "--set", "startup=maybe")
    assert result.exit_code == 2
    assert "field 'privacy': value 'secret' is not allowed; allowed: low (低), medium (中), high (高)" in result.stderr
    assert "field 'startup'" in result.stderr and "是/否" in result.stderr


def test_emptying_a_required_field_is_exit_2(cli):
    result = cli("whatif", str(PROFILES / "05-hybrid-bank.yaml"), "--set", "sector=")
    assert result.exit_code == 2
    assert "field 'sector' is required" in result.stderr


@pytest.mark.parametrize("bad", ["privacy", "=high"])
def test_set_needs_field_equals_value(cli, bad):
    result = cli("whatif", str(PROFILES / "05-hybrid-bank.yaml"), "--set", bad)
    assert result.exit_code == 2
    assert "is not FIELD=VALUE" in result.stderr


def test_whatif_needs_a_change(cli):
    result = cli("whatif", str(PROFILES / "05-hybrid-bank.yaml"))
    assert result.exit_code == 2
    assert "--set" in result.stderr


def test_change_errors_carry_field_value_and_message():
    from advisor.profile import parse_profile
    from advisor.whatif import ChangeError, apply_changes

    profile = parse_profile({"name": "A", "size": "large", "sector": "finance", "privacy": "low", "budget": "low"})
    with pytest.raises(ChangeError) as caught:
        apply_changes(profile, {"nope": 1, "privacy": "x"})
    fields = [(p["field"], p["value"]) for p in caught.value.problems]
    assert fields == [("nope", 1), ("privacy", "x")]
    assert json.dumps(caught.value.problems)  # the API sends them as they are


def test_whatif_takes_a_price_file_as_advise_does(cli, tmp_path):
    prices = tmp_path / "prices.yaml"
    prices.write_text("prices:\n  items:\n    electricity: {label: {en: Power, zh: 电费}, unit: CNY/kWh, cny: 3.0, "
                      "source: our tariff, as_of: 2026-11-01}\n", encoding="utf-8")
    path = str(PROFILES / "05-hybrid-bank.yaml")
    data = as_json(cli("whatif", path, "--set", "privacy=low", "--format", "json", "--prices", str(prices),
                       "--as-of", "2025-03-01", "--lang", "en"))
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump({**yaml.safe_load((PROFILES / "05-hybrid-bank.yaml").read_text(encoding="utf-8")),
                                      "privacy": "low"}, allow_unicode=True), encoding="utf-8")
    assert data["after"] == as_json(cli("advise", str(edited), "--format", "json", "--prices", str(prices),
                                        "--as-of", "2025-03-01", "--lang", "en"))
    sources = {c["source"] for cost in data["after"]["costs"] for c in cost["components"]}
    assert "our tariff" in sources
    plain = as_json(cli("whatif", path, "--set", "privacy=low", "--format", "json", "--lang", "en"))
    assert "our tariff" not in {c["source"] for cost in plain["after"]["costs"] for c in cost["components"]}
    bad = cli("whatif", path, "--set", "privacy=low", "--prices", str(tmp_path / "missing.yaml"))
    assert bad.exit_code == 2 and "--prices" in bad.stderr


@pytest.mark.parametrize("lang, said", [
    ("zh", "注意：员工人数 的修改不影响企业规模，因为画像已给出 规模（大型），以其为准。"),
    ("en", "Note: the change of employees does not affect the enterprise size, because the profile gives size "
           "(large), which takes precedence."),
])
def test_a_change_another_answer_overrides_is_said(cli, lang, said):
    path = PROFILES / "05-hybrid-bank.yaml"  # size large is given
    result = cli("whatif", str(path), "--set", "employees=5", "--lang", lang)
    assert result.exit_code == 0, result.stderr
    assert said in result.stdout
    # without a size the headcount decides it: nothing is overridden
    result = cli("whatif", str(path), "--set", "size=", "--set", "employees=5", "--lang", lang)
    assert result.exit_code == 0, result.stderr
    assert said.split("，")[0].split(",")[0] not in result.stdout


def test_overridden_follows_the_precedence_of_the_contract():
    from advisor.profile import parse_profile
    from advisor.whatif import apply_changes, overridden

    base = parse_profile({"name": "A", "size": "large", "sector": "finance", "privacy": "high", "budget": "high"})
    assert [(f, by) for f, by, _ in overridden(base, apply_changes(base, {"employees": 5}))] == [("employees", "size")]
    given = apply_changes(base, {"users": 40, "monthly_tokens": "1亿"})
    both = [(f, by) for f, by, _ in overridden(given, apply_changes(given, {"employees": 5, "users": 50}))]
    assert both == [("employees", "size"), ("employees", "users"), ("users", "monthly_tokens")]
    assert overridden(base, apply_changes(base, {"privacy": "low"})) == []
