"""``advisor batch --detail ids``: compact JSON Lines, the full lines without the repeated texts."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch_data import client_rows, write_csv

TEXT_KEYS = {"label", "labels", "title", "status_label", "basis", "reason", "actions", "source", "because", "text",
             "assumptions", "formula", "band", "given", "tie_break_source"}


def leaves(data, path=()):
    """Every scalar of a JSON value with its path (keys and list positions)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from leaves(value, (*path, i))
    else:
        yield path, data


def kept(path) -> bool:
    return not any(isinstance(step, str) and step in TEXT_KEYS for step in path)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A client list (with bad rows) scored in full and compact, in both languages."""
    from click.testing import CliRunner

    from advisor.cli import cli

    folder = tmp_path_factory.mktemp("detail")
    data = write_csv(folder / "clients.csv", client_rows(300, seed=5, bad=True))
    out = {}
    for lang in ("zh", "en"):
        for detail in ("full", "ids"):
            target = folder / f"{lang}-{detail}.jsonl"
            result = CliRunner().invoke(cli, ["batch", str(data), "-o", str(target), "-q", "--lang", lang,
                                              "--detail", detail, "--as-of", "2026-06-01"], catch_exceptions=False)
            assert result.exit_code == 1, result.stderr  # the bad rows
            out[lang, detail] = [json.loads(line) for line in target.read_text("utf-8").splitlines()]
    return folder, out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_compact_lines_hold_every_id_status_and_number_of_the_full_lines(runs, lang):
    _, out = runs
    full, ids = out[lang, "full"], out[lang, "ids"]
    assert len(full) == len(ids) == 300
    scored = 0
    for f, c in zip(full, ids):
        if "error" in f:
            assert c == f  # an error line is the same in both
            continue
        scored += 1
        # Every id, status, date, number and flag of the full line, at the same place.
        assert [leaf for leaf in leaves(f) if kept(leaf[0])] == list(leaves(c))
        numbers = [leaf for leaf in leaves(f) if isinstance(leaf[1], (int, float)) and leaf[1] is not None]
        assert numbers and all(leaf in list(leaves(c)) for leaf in numbers)
        # and no repeated text at all
        assert not any(not kept(path) for path, _ in leaves(c))
        assert c["deployment"]["mode"] == f["deployment"]["mode"]
        assert [(i["id"], i["status"], i["rules"]) for i in c["compliance"]] == \
               [(i["id"], i["status"], i["rules"]) for i in f["compliance"]]
    assert scored > 200
    assert sum(len(json.dumps(c)) for c in ids) * 3 < sum(len(json.dumps(f)) for f in full)


def test_rule_texts_join_back_from_rules_list(runs, cli):
    """The trace's sources and reasons, and each compliance item's reason, are the rule pack's
    texts: joined on the rule ids from ``advisor rules list --format json`` they give the full line's."""
    _, out = runs
    rules = {r["id"]: r for r in json.loads(cli("rules", "list", "--format", "json", "--lang", "en").stdout)}
    for f, c in zip(out["en", "full"], out["en", "ids"]):
        if "error" in f:
            continue
        trace = [{**t, "source": rules[t["rule"]]["source"], "because": rules[t["rule"]]["description"]}
                 for t in c["trace"]]
        assert trace == f["trace"]
        for full_item, item in zip(f["compliance"], c["compliance"]):
            assert " ".join(rules[r]["description"] for r in item["rules"]) == full_item["reason"]


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_the_readme_jq_join(runs, cli):
    """The README's jq example gives back the full line's trace."""
    folder, out = runs
    (folder / "rules.json").write_text(cli("rules", "list", "--format", "json", "--lang", "en").stdout, "utf-8")
    program = ('($r[0] | INDEX(.id)) as $rule | select(has("trace")) '
               '| .trace |= map(. + {source: $rule[.rule].source, because: $rule[.rule].description})')
    done = subprocess.run(["jq", "-c", "--slurpfile", "r", str(folder / "rules.json"), program,
                           str(folder / "en-ids.jsonl")], capture_output=True, text=True, check=True)
    joined = [json.loads(line) for line in done.stdout.splitlines()]
    assert [j["trace"] for j in joined] == [f["trace"] for f in out["en", "full"] if "error" not in f]


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_detail_ids_is_for_jsonl_only(cli, tmp_path, fmt):
    data = write_csv(tmp_path / "clients.csv", client_rows(3, seed=2))
    result = cli("batch", str(data), "-f", fmt, "--detail", "ids", "-q")
    assert result.exit_code == 2
    assert f"--detail ids is for the jsonl format only, not {fmt}" in result.stderr


def _walk(data):
    if isinstance(data, dict):
        return {k: _walk(v) for k, v in data.items() if k not in TEXT_KEYS}
    if isinstance(data, list):
        return [_walk(v) for v in data]
    return data


_texts = st.lists(st.sampled_from(list('ab"\\,:{}[]\n中 ') + ["label", '"label":', '","source":"']),
                  max_size=6).map("".join)
_text_values = st.one_of(_texts, st.lists(_texts, max_size=3), st.none())
_other_keys = st.sampled_from(["id", "mode", "rules", "score", "labelled", "x"])
_text_keys = st.sampled_from(sorted(TEXT_KEYS))


def _objects(inner):
    entry = st.one_of(st.tuples(_text_keys, _text_values), st.tuples(_other_keys, inner))
    return st.lists(entry, max_size=5).map(dict)


_values = st.recursive(
    st.one_of(st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none(), _texts),
    lambda inner: st.one_of(st.lists(inner, max_size=4), _objects(inner)), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(_objects(_values))
def test_compact_json_takes_out_exactly_the_text_keys(data):
    """On any JSON whose text keys hold text (a string, a list of strings, null) — the shape of the
    recommendation's — at any depth and place, with quotes, backslashes and key-like text in strings."""
    import orjson

    from advisor.batch.writers import compact_json

    assert compact_json(orjson.dumps(data)) == orjson.dumps(_walk(data))
