"""`advisor advise` start-up: what a run keeps in the user's cache folder changes no output byte,
a damaged cache is ignored, and a run from the caches leaves the heavy modules unimported.

The speed itself is measured by `python bench/startup.py`, never here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import PROFILES, ROOT

FORMATS = ["table", "json", "markdown", "yaml"]


def _run(cache, *args: str, no_cache: bool = False, columns: str = "100", code: str | None = None):
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "COLUMNS": columns}
    env.pop("ADVISOR_NO_PACK_CACHE", None)
    if no_cache:
        env["ADVISOR_NO_PACK_CACHE"] = "1"
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "advisor", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=120)


def _layouts(cache) -> list:
    folder = cache / "advisor"
    return sorted(folder.glob("layout-*.pickle")) if folder.is_dir() else []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("columns", ["100", "46"])
def test_every_format_is_the_same_bytes_with_the_caches_cold_and_warm(tmp_path, fmt, columns):
    args = ("advise", str(PROFILES / "08-cross-border-ecommerce.yaml"), "-f", fmt, "--as-of", "2026-06-01")
    cold = _run(tmp_path, *args, no_cache=True, columns=columns)
    assert cold.returncode == 0, cold.stderr
    assert not (tmp_path / "advisor").exists()  # ADVISOR_NO_PACK_CACHE: nothing kept at all
    first = _run(tmp_path, *args, columns=columns)  # fills the caches
    warm = _run(tmp_path, *args, columns=columns)  # reads them
    assert first.stdout == warm.stdout == cold.stdout
    assert first.stderr == warm.stderr == cold.stderr == b""
    if fmt == "table":
        assert len(_layouts(tmp_path)) == 1  # the texts laid out were kept


def test_english_output_and_a_second_profile_read_the_layout_of_the_first(tmp_path):
    """Texts kept from one profile are looked up for another: the output stays that of a cold run."""
    for name in ("05-hybrid-bank.yaml", "02-saas-content-studio.yaml"):
        for lang in ("zh", "en"):
            args = ("advise", str(PROFILES / name), "--lang", lang, "--as-of", "2026-06-01")
            cold = _run(tmp_path, *args, no_cache=True)
            warm = _run(tmp_path, *args)
            assert warm.returncode == 0 and warm.stderr == b""
            assert warm.stdout == cold.stdout


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05garbage", None, "wrong shape", "wrong values"])
def test_a_damaged_layout_file_is_ignored_and_written_again(tmp_path, damage):
    import pickle

    args = ("advise", str(PROFILES / "01-gov-onprem.yaml"), "--as-of", "2026-06-01")
    cold = _run(tmp_path, *args, no_cache=True)
    _run(tmp_path, *args)
    (entry,) = _layouts(tmp_path)
    size = entry.stat().st_size
    if damage is None:  # half written, as if the disk filled up
        entry.write_bytes(entry.read_bytes()[: size // 2])
    elif damage == "wrong shape":
        entry.write_bytes(pickle.dumps(["chars", "units"]))
    elif damage == "wrong values":  # every text's units and every character's width not what they should be
        kept = pickle.loads(entry.read_bytes())
        kept["units"] = {text: [7] for text in kept["units"]}
        kept["chars"] = {ch: "2" for ch in kept["chars"]}
        entry.write_bytes(pickle.dumps(kept))
    else:
        entry.write_bytes(damage)
    run = _run(tmp_path, *args)
    assert run.returncode == 0 and run.stderr == b""
    assert run.stdout == cold.stdout
    assert entry.stat().st_size > size // 2  # written again whole
    again = _run(tmp_path, *args)
    assert again.stdout == cold.stdout


def test_a_changed_rule_file_is_read_afresh_by_advise(tmp_path):
    """The pack cache is keyed on the rule files' bytes: an edited rule shows in the next run."""
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    args = ("advise", str(PROFILES / "01-gov-onprem.yaml"), "-f", "json", "--rules", str(rules), "--as-of", "2026-06-01")
    first = _run(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    before = json.loads(first.stdout)
    _run(tmp_path, *args)  # from the cache
    trace = before["trace"][0]
    path = next(p for p in rules.glob("*.yaml") if trace["because"] in p.read_text("utf-8"))
    path.write_text(path.read_text("utf-8").replace(trace["because"], "改过 " + trace["because"], 1), "utf-8")
    run = _run(tmp_path, *args)
    assert run.returncode == 0, run.stderr
    after = json.loads(run.stdout)
    assert after["trace"][0]["because"] == "改过 " + trace["because"]
    assert after["rule_pack"]["version"] != before["rule_pack"]["version"]


# What a run from the caches must not import (subprocess: sys.modules of a real `advisor advise`).
_MODULES = """
import io, runpy, sys
sys.argv = ["advisor", *sys.argv[1:]]
out = io.StringIO()
sys.stdout, real = out, sys.stdout
try:
    runpy.run_module("advisor", run_name="__main__")
except SystemExit as exc:
    assert not exc.code, exc.code
finally:
    sys.stdout = real
from advisor.engine import schema
print(sorted(m for m in sys.modules if m.split(".")[0] in
             ("wcwidth", "uniseg", "tabulate", "jinja2", "docx", "openpyxl", "matplotlib", "starlette", "uvicorn")
             or m in ("advisor.formats.table", "advisor.formats.lines", "advisor.batch", "advisor.web", "advisor.memo.build")))
print(sorted(name for name in ("Rule", "Effect", "PackFile", "Item") if getattr(schema, name).__pydantic_complete__))
"""


def _imports(cache, *args: str) -> tuple[list[str], list[str]]:
    run = _run(cache, *args, code=_MODULES)
    assert run.returncode == 0, run.stderr
    modules, built = run.stdout.decode().splitlines()[-2:]
    return json.loads(modules.replace("'", '"')), json.loads(built.replace("'", '"'))


def test_a_json_run_from_the_cache_imports_no_terminal_table_or_document_library(tmp_path):
    profile = str(PROFILES / "05-hybrid-bank.yaml")
    _run(tmp_path, "advise", profile, "-f", "json")  # fills the pack cache
    modules, built = _imports(tmp_path, "advise", profile, "-f", "json")
    assert modules == []
    assert built == []  # the pack came from the cache: its validators were never built


def test_a_table_run_from_the_caches_needs_neither_wcwidth_nor_uniseg(tmp_path):
    profile = str(PROFILES / "05-hybrid-bank.yaml")
    cold_modules, _ = _imports(tmp_path / "none", "advise", profile)
    assert "wcwidth" in cold_modules and "uniseg" in cold_modules  # the guard below can fail
    _run(tmp_path, "advise", profile)  # fills the caches
    modules, built = _imports(tmp_path, "advise", profile)
    assert modules == ["advisor.formats.lines", "advisor.formats.table"]
    assert built == []


def test_the_width_of_a_text_is_the_sum_of_its_characters_only_where_wcswidth_says_so(monkeypatch):
    """``lines.width`` adds up the kept widths of characters that stand alone; over the whole Basic
    Multilingual Plane, in runs and beside Chinese, ASCII and marks, that is what wcswidth measures."""
    from wcwidth import wcswidth

    from advisor.formats import lines

    monkeypatch.setenv("ADVISOR_NO_PACK_CACHE", "1")
    monkeypatch.setattr(lines, "_KEPT", lines._Kept())
    lines.width.cache_clear()
    try:
        summed = [chr(c) for c in range(0x10000) if lines._char_width(chr(c)) > 0]
        assert len(summed) > 50_000
        for start in range(0, len(summed), 97):
            chunk = "".join(summed[start:start + 97])
            assert lines.width(chunk) == wcswidth(chunk), chunk
            mixed = "中a" + chunk[:5] + "\u0301" + chunk[5:9] + "\u200d" + chunk[9:]
            assert lines.width(mixed) == wcswidth(mixed), mixed
        for text in ("👍🏽 ok", "🇨🇳中国", "é", "x\u200dy", "☺\ufe0f", "한국어", "\u1100\u1161\u11a8", "a\tb"):
            expected = wcswidth(text)
            if expected < 0:
                from wcwidth import wcwidth

                expected = sum(max(wcwidth(ch), 0) for ch in text)
            assert lines.width(text) == expected, text
    finally:
        lines.width.cache_clear()


def test_plain_citation_terms_are_replaced_as_the_patterns_would():
    import re

    import yaml

    from advisor import citations
    from advisor.pipeline import get_advisor
    from advisor.ui_text import package_text

    terms = yaml.safe_load(package_text("advisor", "citations.yaml"))["zh"]
    assert sum(isinstance(p, str) for p, _ in citations._terms("zh")) > len(terms) // 2  # most are text
    pack = get_advisor().pack
    sources = {r.source for r in pack.rules} | {"Art 3–5, Art 7 ¶2 (2024) (CAC Order No. 11); report §2"}
    for source in sources:
        expected = source
        for pattern, repl in terms:
            expected = re.sub(pattern, repl, expected)
        assert citations.cite(source, "zh") == expected
