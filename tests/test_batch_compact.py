"""``advisor batch --detail ids``: compact JSON Lines (format ``ids/1``), made without the full recommendation.

The reference is ``advisor.batch.compact.project`` applied to ``Advisor.recommend``'s full
recommendation; the batch's fast path (``CompactJsonLines``: the outcome's part encoded once,
the profile's figures once per decision) must give the same bytes on every profile.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import subprocess

import orjson
import pytest
from batch_data import client_rows, labels, write_csv, yes_no_fields
from hypothesis import given, settings
from hypothesis import strategies as st
from test_chinese_first import advisor as run_advisor, chinese_env
from test_decisions import grid

from advisor.assembly import RunOptions
from advisor.batch import scorer as scorer_module
from advisor.batch.compact import FORMAT, KEYS, encode, project
from advisor.batch.scorer import Scorer
from advisor.batch.writers import make_format
from advisor.profile import parse_profile
from advisor.sources.records import Record
from advisor.vocabulary import vocabulary

# A price file laid over the pack's price book: other costs, other budget verdicts.
PRICES = ("prices:\n  items:\n    electricity: {label: {en: Power, zh: 电费}, unit: CNY/kWh, cny: 3.0, "
          "source: our tariff, as_of: 2026-11-01}\n"
          "    api_output: {label: {en: Out, zh: 输出}, unit: CNY/million tokens, cny: 80, source: our quote, "
          "as_of: 2026-11-01}\n")


def skewed_rows(count: int, seed: int) -> list[dict[str, str]]:
    """A client list as a CRM exports it: few sectors, sizes and levels most of the time, optional
    fields mostly empty, amounts in round figures; many rows repeat another but for the name."""
    rng = random.Random(seed)

    def zipf(items: list):
        return rng.choices(items, [1 / (k + 1) ** 1.3 for k in range(len(items))])[0]

    rows = []
    for n in range(count):
        row = {"name": f"客户{n:05d}", "sector": zipf(labels("sector")), "size": zipf(labels("size")),
               "privacy": zipf(labels("level")), "budget": zipf(labels("level"))}
        if rng.random() < 0.1:
            del row["size"]
            row["employees"] = str(zipf([200, 50, 1000, 500, 100, 3000, 10000]))
        if rng.random() < 0.1:
            row["budget"] = zipf(["50万", "100万", "20万", "300万", "800万"])
        if rng.random() < 0.2:
            row["use_cases"] = zipf(["智能客服", "知识搜索;智能客服", "智能办公", "内容生成;智能营销", "数据分析"])
        if rng.random() < 0.1:
            row["public_facing"] = "是"
        if rng.random() < 0.1:
            row["personal_info"] = zipf(["个人信息", "敏感个人信息"])
        if rng.random() < 0.05:
            row["users"] = zipf(["300", "2万", "50"])
        rows.append(row)
    return rows


def uniform_rows(count: int, seed: int) -> list[dict[str, str]]:
    """Every field random: nearly every row a new profile."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        row = {"name": f"随机{n:05d}", "sector": rng.choice(labels("sector")), "privacy": rng.choice(labels("level")),
               "budget": rng.choice(labels("level")) if rng.random() < 0.5 else f"{rng.randint(1, 5000)}万",
               "use_cases": ";".join(rng.sample(labels("use_case"), rng.randint(0, 4))),
               "modalities": "|".join(rng.sample(labels("modality"), rng.randint(1, 3))),
               "personal_info": rng.choice(labels("personal_info")),
               "customization": rng.choice(labels("customization")), "ml_team": rng.choice(labels("ml_team"))}
        if rng.random() < 0.5:
            row["size"] = rng.choice(labels("size"))
        else:
            row["employees"] = str(rng.randint(1, 50_000))
        for field in yes_no_fields():
            row[field] = rng.choice(["是", "否"])
        row["pi_individuals"] = rng.choice(["", "5000", "100万", "2亿"])
        row["users"] = rng.choice(["", "300", "2万"])
        row["monthly_tokens"] = rng.choice(["", "5000万", "3亿", "80亿"])
        rows.append(row)
    return rows


def fast_lines(advisor, rows, lang: str, options: RunOptions) -> tuple[Scorer, list[bytes]]:
    """The batch's compact lines for ``rows``, scored in order by one scorer with its caches."""
    scorer = Scorer(lang=lang, advisor=advisor, options=options)
    fmt = make_format("jsonl", lang, advisor.pack, detail="ids", as_of=scorer.options.as_of)
    lines = []
    for number, row in enumerate(rows, start=1):
        name, decision = scorer.score(Record(number, None, None, row))
        lines.append(b"".join(fmt.row(number, name, decision)))
    return scorer, lines


def reference_line(advisor, row, lang: str, options: RunOptions) -> bytes:
    """The projection of ``Advisor.recommend``'s full recommendation, as a line."""
    full = advisor.recommend(parse_profile(row), lang, options).model_dump(mode="json")
    return encode(project(full)) + b"\n"


CASES = {
    # name: (rows, every how many rows a line is checked against the reference)
    "grid": (grid, 29),
    "skewed": (lambda: skewed_rows(3000, seed=3), 3),
    "uniform": (lambda: uniform_rows(600, seed=4), 1),
    "clients": (lambda: client_rows(600, seed=9), 1),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("lang, dated, priced", [("zh", False, False), ("en", True, True), ("zh", True, False),
                                                ("en", False, True)], ids=["zh", "en-as-of-prices", "zh-as-of",
                                                                           "en-prices"])
def test_the_fast_path_writes_the_projection_of_the_full_recommendation(advisor, tmp_path, case, lang, dated, priced):
    rows, step = CASES[case]
    rows = rows()
    if case == "grid" and (dated or priced):
        rows, step = rows[5::7], 13  # the grid in part: a fifth of the reference checks
    prices = tmp_path / "prices.yaml"
    prices.write_text(PRICES, encoding="utf-8")
    options = RunOptions(as_of=dt.date(2025, 8, 1) if dated else None, prices=str(prices) if priced else None)
    scorer, lines = fast_lines(advisor, rows, lang, options)
    checked = 0
    for number in range(0, len(rows), step):
        assert lines[number] == reference_line(advisor, rows[number], lang, scorer.options), rows[number]
        checked += 1
    assert checked >= 200
    data = [orjson.loads(line) for line in lines]
    assert all(d["as_of"] == scorer.options.as_of.isoformat() and d["lang"] == lang for d in data)
    assert {d["deployment"]["mode"] for d in data} >= ({"on_premise", "saas", "hybrid"} if case != "uniform" else
                                                       {"on_premise", "hybrid"})
    # many outcomes, many figures; in the skewed list most rows are a profile seen before
    assert len({(d["deployment"]["mode"], tuple(d["rules"])) for d in data}) > 10
    assert case != "skewed" or scorer.stats()["raw_hits"] > len(rows) / 2
    assert len({(tuple(d["first_year_cny"] or ()), d["within_budget"]) for d in data}) > 5


def test_a_price_file_and_a_date_change_the_lines(advisor, tmp_path):
    """The figures follow the price file and the checklist the date: the cases above see both."""
    prices = tmp_path / "prices.yaml"
    prices.write_text(PRICES, encoding="utf-8")
    rows = client_rows(200, seed=9)
    _, plain = fast_lines(advisor, rows, "en", RunOptions(as_of=dt.date(2026, 6, 1)))
    _, priced = fast_lines(advisor, rows, "en", RunOptions(as_of=dt.date(2026, 6, 1), prices=str(prices)))
    _, early = fast_lines(advisor, rows, "en", RunOptions(as_of=dt.date(2023, 1, 1)))
    field = lambda lines, key: [orjson.loads(line)[key] for line in lines]  # noqa: E731
    assert field(plain, "first_year_cny") != field(priced, "first_year_cny")
    assert field(plain, "compliance") != field(early, "compliance")


def test_a_repeated_profile_gives_the_bytes_of_a_fresh_one(advisor, monkeypatch):
    """Cached (the same cells again under another name, in a warm scorer; decisions dropped from
    small caches and made again) and fresh (a scorer without caches) give the same line."""
    rows = client_rows(300, seed=11) + skewed_rows(300, seed=12)
    again = [dict(row, name=f"重名{n}") for n, row in enumerate(rows)]
    _, warm = fast_lines(advisor, rows + again, "zh", RunOptions())
    for n, row in enumerate(rows):
        first, repeated = warm[n], warm[len(rows) + n]
        assert repeated == first.replace(orjson.dumps(row["name"]), orjson.dumps(f"重名{n}"), 1)
    # fresh: every decision made from Advisor.recommend (no caches), in the same writer
    fresh = Scorer(lang="zh", advisor=advisor, cache=False)
    fmt = make_format("jsonl", "zh", advisor.pack, detail="ids", as_of=fresh.options.as_of)
    for number, row in enumerate(rows + again, start=1):
        name, decision = fresh.score(Record(number, None, None, row))
        assert b"".join(fmt.row(number, name, decision)) == warm[number - 1], row
    monkeypatch.setattr(scorer_module, "DECISIONS", 3)
    monkeypatch.setattr(scorer_module, "RAW_RECORDS", 5)
    _, small = fast_lines(advisor, rows + again, "zh", RunOptions())
    assert small == warm


def test_no_full_recommendation_is_built_for_a_compact_line(cli, tmp_path, monkeypatch):
    """Neither the recommendation's JSON (every mode's costs, counterfactuals...) nor
    ``Advisor.recommend`` is made for a compact line: a new profile costs what its CSV row costs."""
    from advisor.batch.assembly import JsonAssembler
    from advisor.batch.decision import Decision
    from advisor.pipeline import Advisor

    def refused(*args, **kwargs):
        raise AssertionError("the full recommendation was built")

    data = write_csv(tmp_path / "clients.csv", client_rows(300, seed=5) + uniform_rows(100, seed=6))
    full = cli("batch", str(data), "-o", str(tmp_path / "full.jsonl"), "-q", "--lang", "en")
    assert full.exit_code == 0, full.stderr
    monkeypatch.setattr(JsonAssembler, "parts", refused)
    monkeypatch.setattr(Decision, "parts", property(refused))
    monkeypatch.setattr(Advisor, "recommend", refused)
    result = cli("batch", str(data), "-o", str(tmp_path / "ids.jsonl"), "--detail", "ids", "-q", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    ids = (tmp_path / "ids.jsonl").read_bytes().splitlines(keepends=True)
    assert ids == [encode(project(orjson.loads(line))) + b"\n"
                   for line in (tmp_path / "full.jsonl").read_bytes().splitlines()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A client list (with bad rows) scored in full and compact, in both languages, on one date."""
    from click.testing import CliRunner

    from advisor.cli import cli

    folder = tmp_path_factory.mktemp("compact")
    data = write_csv(folder / "clients.csv", client_rows(300, seed=5, bad=True))
    out = {}
    for lang in ("zh", "en"):
        for detail in ("full", "ids"):
            target = folder / f"{lang}-{detail}.jsonl"
            result = CliRunner().invoke(cli, ["batch", str(data), "-o", str(target), "-q", "--lang", lang,
                                              "--detail", detail, "--as-of", "2026-06-01"], catch_exceptions=False)
            assert result.exit_code == 1, result.stderr  # the bad rows
            out[lang, detail] = target.read_bytes().splitlines()
    return folder, out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_command_writes_the_projection_of_each_full_line_and_the_same_error_lines(runs, lang):
    _, out = runs
    full, ids = out[lang, "full"], out[lang, "ids"]
    assert len(full) == len(ids) == 300
    scored = 0
    for f, c in zip(full, ids):
        data = orjson.loads(f)
        if "error" in data:
            assert c == f  # an error line is the same in both: {"record": N, "profile": NAME, "error": "..."}
            assert list(data) == (["record", "profile", "error"] if "profile" in data else ["record", "error"])
            continue
        scored += 1
        assert c == encode(project(data))
        assert orjson.loads(c)["as_of"] == "2026-06-01"
    assert scored == 296
    assert sum(map(len, ids)) * 5 < sum(map(len, full))  # a fifth of the size, and less


def test_a_compact_line_has_its_documented_keys_and_no_text(runs, advisor):
    """The keys of ``contract.yaml``'s ``compact_line``, in order; every string an id, a status, a
    date, the format or the pack's version — never a label, a reason or a source."""
    _, out = runs
    token = re.compile(r"[A-Za-z0-9_.:/-]+")
    date = re.compile(r"\d{4}(-\d{2}){0,2}")
    modes, pricing = set(vocabulary().outputs["modes"]), set(vocabulary().outputs["pricing"])
    for lang in ("zh", "en"):
        for line in out[lang, "ids"]:
            data = orjson.loads(line)
            if "error" in data:
                continue
            assert tuple(data) == KEYS and data["format"] == FORMAT == "ids/1"
            d = data["deployment"]
            assert list(d) == ["mode", "score", "alternatives"] and d["mode"] in modes
            assert {a["mode"] for a in d["alternatives"]} == modes - {d["mode"]}
            assert all(list(a) == ["mode", "score", "excluded"] for a in d["alternatives"])
            assert set(data["pricing"]["models"]) <= pricing
            assert all(list(c) == ["id", "status", "effective", "unconfirmed"] and type(c["unconfirmed"]) is bool
                       and c["status"] in ("required", "recommended") and date.fullmatch(c["effective"])
                       for c in data["compliance"])
            assert data["rules"] and all(r in advisor.pack.by_id for r in data["rules"])
            assert data["rules"] == sorted(data["rules"], key=advisor.pack.order.__getitem__)
            assert data["within_budget"] in (True, False, None)
            strings = [v for v in _leaves(data) if isinstance(v, str) and v is not data["profile"]]
            assert all(token.fullmatch(v) for v in strings), [v for v in strings if not token.fullmatch(v)]


def _leaves(data):
    if isinstance(data, dict):
        for value in data.values():
            yield from _leaves(value)
    elif isinstance(data, list):
        for value in data:
            yield from _leaves(value)
    else:
        yield data


def test_rule_texts_join_back_from_rules_list(runs, cli):
    """The rules that fired, joined on their ids with ``advisor rules list --format json``, give the
    full line's trace (source and reason of each rule)."""
    _, out = runs
    rules = {r["id"]: r for r in json.loads(cli("rules", "list", "--format", "json", "--lang", "en").stdout)}
    checked = 0
    for f, c in zip(out["en", "full"], out["en", "ids"]):
        full, compact = orjson.loads(f), orjson.loads(c)
        if "error" in full:
            continue
        joined = [{"rule": r, "source": rules[r]["source"], "because": rules[r]["description"]} for r in compact["rules"]]
        assert joined == full["trace"]
        checked += 1
    assert checked == 296


def test_the_readme_jq_example(runs, cli):
    """The README's jq lines: the trace joined back from ``rules list``, and a summary per line."""
    folder, out = runs
    (folder / "rules.json").write_text(cli("rules", "list", "--format", "json", "--lang", "en").stdout, "utf-8")
    program = ('($r[0] | INDEX(.id)) as $rule | select(has("rules")) '
               '| {profile, trace: [.rules[] | {rule: ., source: $rule[.].source, because: $rule[.].description}]}')
    done = subprocess.run(["jq", "-c", "--slurpfile", "r", str(folder / "rules.json"), program,
                           str(folder / "en-ids.jsonl")], capture_output=True, text=True, check=True)
    joined = [json.loads(line) for line in done.stdout.splitlines()]
    full = [json.loads(line) for line in out["en", "full"]]
    assert joined == [{"profile": f["profile"], "trace": f["trace"]} for f in full if "error" not in f]
    summary = subprocess.run(["jq", "-c", '{profile, mode: .deployment.mode, required: [.compliance[]? '
                              '| select(.status == "required") | .id]}', str(folder / "zh-ids.jsonl")],
                             capture_output=True, text=True, check=True).stdout.splitlines()
    expected = [{"profile": f.get("profile"), "mode": f["deployment"]["mode"] if "deployment" in f else None,
                 "required": [c["id"] for c in f.get("compliance", []) if c["status"] == "required"]}
                for f in map(json.loads, out["zh", "full"])]
    assert [json.loads(line) for line in summary] == expected


def test_two_workers_write_exactly_what_one_process_writes(cli, tmp_path, monkeypatch):
    monkeypatch.setattr("advisor.batch.workers.Plan.pays", lambda self: True)  # hand every block over
    data = write_csv(tmp_path / "clients.csv", client_rows(2300, seed=21, bad=True))
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    first = cli("batch", str(data), "-q", "-o", str(one), "--detail", "ids")
    second = cli("batch", str(data), "-q", "-o", str(two), "--detail", "ids", "--workers", "2")
    assert first.exit_code == second.exit_code == 1
    assert one.read_bytes() == two.read_bytes()
    assert len(one.read_bytes().splitlines()) == 2300


@pytest.mark.parametrize("fmt", ["csv", "json", "table", "xlsx"])
def test_detail_ids_is_for_jsonl_only(cli, tmp_path, fmt):
    data = write_csv(tmp_path / "clients.csv", client_rows(3, seed=2))
    result = cli("batch", str(data), "-f", fmt, "--detail", "ids", "-q", "-o", str(tmp_path / f"out.{fmt}"))
    assert result.exit_code == 2
    assert f"--detail ids is for the jsonl format only, not {fmt}" in result.stderr
    assert not (tmp_path / f"out.{fmt}").exists()


def test_detail_ids_for_another_format_is_said_in_chinese(tmp_path):
    data = write_csv(tmp_path / "clients.csv", client_rows(3, seed=2))
    done = run_advisor("batch", str(data), "-f", "csv", "--detail", "ids", "-q", env=chinese_env())
    assert done.returncode == 2
    assert "--detail ids 只用于 jsonl 格式，不能用于 csv" in done.stderr.decode("utf-8")


def test_make_format_says_what_detail_ids_needs(advisor):
    with pytest.raises(ValueError, match="is for jsonl only"):
        make_format("csv", "zh", advisor.pack, detail="ids", as_of=dt.date(2026, 1, 1))
    with pytest.raises(ValueError, match="needs the rule pack and the as_of date"):
        make_format("jsonl", "zh", advisor.pack, detail="ids")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))) | st.sampled_from(
    ["a\u202eb", "x\x85y", "全角\u3000空格", "\x1b]0;title\x07", "\u2028", "\u061c", "name\x7f"]))
def test_a_name_is_written_as_the_full_line_writes_it(name):
    """Any name, control characters and bidirectional controls included: the same JSON string as
    ``encode`` (``formats.escape.json_bytes``) writes, harmless on a terminal."""
    from advisor.batch.compact import name_json
    from advisor.formats.escape import json_bytes

    assert name_json(name) == json_bytes(orjson.dumps(name))
    assert orjson.loads(name_json(name)) == name
