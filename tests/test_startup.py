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


# A real `advisor` command run in a subprocess, its standard output kept in ``out`` (a script's start).
_RUN = '''
sys.argv = ["advisor", *sys.argv[1:]]
out = io.StringIO()
sys.stdout, real = out, sys.stdout
try:
    runpy.run_module("advisor", run_name="__main__")
except SystemExit as exc:
    assert not exc.code, exc.code
finally:
    sys.stdout = real
'''

# What a run from the caches must not import (subprocess: sys.modules of a real `advisor advise`).
_MODULES = """
import io, runpy, sys
""" + _RUN + """print(sorted(m for m in sys.modules if m.split(".")[0] in
             ("wcwidth", "uniseg", "tabulate", "jinja2", "docx", "openpyxl", "matplotlib", "starlette", "uvicorn")
             or m in ("advisor.formats.table", "advisor.formats.lines", "advisor.batch", "advisor.web", "advisor.memo.build")))
print(sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "pydantic_core")))
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
    assert built == []  # the pack came from the cache: its validators (pydantic) were never needed


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


# --- the shipped data files, parsed once and kept (advisor.ui_text.package_data) ----------------

_PARSES = """
import io, runpy, sys
import yaml
parsed = []
load = yaml.load
yaml.load = lambda stream, Loader=None: parsed.append(1) or load(stream, Loader=Loader)
""" + _RUN + """sys.stdout.buffer.write(out.getvalue().encode())
print(len(parsed))
"""


def _parsed(cache, *args: str, no_cache: bool = False) -> tuple[bytes, int]:
    """What ``advisor *args`` prints, and how many shipped data files it parsed with PyYAML."""
    run = _run(cache, *args, code=_PARSES, no_cache=no_cache)
    assert run.returncode == 0 and run.stderr == b"", run.stderr
    out, _, count = run.stdout.rstrip(b"\n").rpartition(b"\n")
    return out + b"\n", int(count)


def _data_files(cache) -> list:
    folder = cache / "advisor"
    return sorted(folder.glob("data-*.pickle")) if folder.is_dir() else []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_run_from_the_caches_parses_no_shipped_data_file(tmp_path, lang):
    args = ("advise", str(PROFILES / "12-hospital-mixed.yaml"), "--lang", lang, "--as-of", "2026-06-01")
    cold, parsed_cold = _parsed(tmp_path, *args, no_cache=True)
    assert parsed_cold >= 4  # contract, CLI texts, interface texts, citations: the guard below can fail
    first, parsed_first = _parsed(tmp_path, *args)
    assert parsed_first == parsed_cold and len(_data_files(tmp_path)) == parsed_first
    warm, parsed_warm = _parsed(tmp_path, *args)
    assert parsed_warm == 0
    assert cold == first == warm


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05garbage", None, "wrong key", "swapped", "deleted"])
def test_a_damaged_data_file_is_parsed_again_and_the_output_is_unchanged(tmp_path, damage):
    import pickle

    args = ("advise", str(PROFILES / "05-hybrid-bank.yaml"), "--as-of", "2026-06-01")
    cold = _run(tmp_path, *args, no_cache=True)
    _run(tmp_path, *args)
    entries = _data_files(tmp_path)
    assert len(entries) >= 4
    kept = {entry: entry.read_bytes() for entry in entries}
    for n, entry in enumerate(entries):
        if damage is None:  # half written
            entry.write_bytes(kept[entry][: len(kept[entry]) // 2])
        elif damage == "wrong key":  # the right shape, not this file's
            entry.write_bytes(pickle.dumps(("0" * 32, {"zh": {}, "en": {}})))
        elif damage == "swapped":  # another data file's copy under this name
            entry.write_bytes(kept[entries[(n + 1) % len(entries)]])
        elif damage == "deleted":
            entry.unlink()
        else:
            entry.write_bytes(damage)
    out, parsed = _parsed(tmp_path, *args)
    assert out == cold.stdout
    assert parsed == len(entries)  # each damaged file parsed again...
    assert {entry: entry.read_bytes() for entry in _data_files(tmp_path)} == kept  # ...and kept again whole
    again, parsed = _parsed(tmp_path, *args)
    assert again == cold.stdout and parsed == 0


def test_an_edited_data_file_is_parsed_afresh(tmp_path, monkeypatch):
    """The key is the file's text: a changed file never reads the old parse."""
    from advisor import ui_text

    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "__init__.py").write_text("", "utf-8")
    (folder / "t.yaml").write_text("a: {zh: 甲, en: A}\n", "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ADVISOR_NO_PACK_CACHE", raising=False)
    assert ui_text.package_data("pkg", "t.yaml") == {"a": {"zh": "甲", "en": "A"}}
    assert ui_text.package_data("pkg", "t.yaml") == {"a": {"zh": "甲", "en": "A"}}  # from the cache
    assert len(_data_files(tmp_path / "cache")) == 1
    (folder / "t.yaml").write_text("a: {zh: 乙, en: B}\n", "utf-8")
    assert ui_text.package_data("pkg", "t.yaml") == {"a": {"zh": "乙", "en": "B"}}
    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/no/such/folder")  # a cache that cannot be written
    assert ui_text.package_data("pkg", "t.yaml") == {"a": {"zh": "乙", "en": "B"}}


# --- lines laid out from measured units: the same as measuring each line --------------------------

def _texts() -> list[str]:
    from advisor.pipeline import get_advisor

    pack = get_advisor().pack
    texts = [text for rule in pack.rules for text in (rule.description.zh, rule.description.en, rule.source)]
    texts += [text for item in pack.items.values() for text in (item.title.zh, item.title.en)]
    texts += ["  leading spaces and  double  spaces ", "中文　全角空格　之后", "tab\there", "é́ combining", "x\u200dy",
              "👍🏽 emoji 中文", "NBSP\u00a0between\u00a0words and a very-long-hyphenated-identifier-that-breaks",
              "GB/T 22239-2019 第二十八条（个人信息）、“引号”。", "", " ", "a\n\nb\n  c  \n"]
    return texts


def test_wrapping_from_measured_units_gives_the_lines_of_measuring_each_line(monkeypatch):
    from advisor.formats import lines

    texts = _texts()
    limits = [2, 3, 5, 8, 13, 20, 21, 34, 55, 89]
    fast = {(text, limit): lines.wrap(text, limit) for text in texts for limit in limits}
    assert sum(lines._measured(p) is not None for text in texts for p in text.split("\n")) > len(texts) // 2
    lines._wrapped.cache_clear()
    monkeypatch.setattr(lines, "_measured", lambda paragraph: None)  # every line measured as it grows
    try:
        for (text, limit), found in fast.items():
            assert found == lines.wrap(text, limit), (text, limit)
    finally:
        lines._wrapped.cache_clear()


def _plain_settle(columns, widths, high, available):
    """The layout search as first written: every trial wraps every column again."""
    from advisor.formats.lines import width, wrap

    def height(ws):
        return sum(max(len(wrap(col[r], w)) for col, w in zip(columns, ws)) for r in range(len(columns[0])))

    for _ in range(len(widths) + 1):
        widths = [max(max((width(line) for cell in col for line in wrap(cell, w)), default=1), 1)
                  for col, w in zip(columns, widths)]
        spare = available - sum(widths)
        if spare <= 0:
            break
        best, best_height = -1, height(widths)
        for i in range(len(widths)):
            if widths[i] < high[i]:
                trial = list(widths)
                trial[i] = min(high[i], widths[i] + spare)
                if height(trial) < best_height:
                    best, best_height = i, height(trial)
        if best < 0:
            break
        widths[best] = min(high[best], widths[best] + spare)
    return widths


def test_the_layout_search_gives_the_widths_of_the_plain_search(monkeypatch):
    import random

    from advisor.formats import lines

    texts = [t for t in _texts() if t]
    rng = random.Random(18)
    tried = 0
    for _ in range(300):
        count = rng.randint(1, 5)
        columns = [[rng.choice(texts) for _ in range(rng.randint(2, 6))] for _ in range(count)]
        rows = min(map(len, columns))
        columns = [col[:rows] for col in columns]
        available = rng.randint(10 * count, 60 * count)
        low = [max(map(lines.longest_unit, col)) for col in columns]
        high = [max(max(map(lines.natural_width, col)), lo) for col, lo in zip(columns, low)]
        if sum(low) > available or sum(high) <= available:
            continue
        start = [lo + (available - sum(low)) // count for lo in low]
        assert lines._settle(columns, list(start), high, available) == _plain_settle(columns, start, high, available)
        tried += 1
    assert tried > 100


# --- the cycle collector, paused while a command starts (advisor.collector) ----------------------

_COLLECTOR = """
import gc, io, sys
sys.argv = ["advisor", *sys.argv[1:]]
sys.stdout = io.StringIO()
from advisor.cli import main
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
sys.stdout = sys.__stdout__
print(gc.isenabled(), gc.get_freeze_count() > 0)
"""


@pytest.mark.parametrize(("args", "expected"), [
    (("advise", "{profile}"), "False False"),  # ends right after its start-up: never collected
    (("batch", "{rows}", "-o", "{out}", "-q"), "True True"),  # collected again once the rows start
    (("rules", "list"), "True True"),  # every other command: at once
])
def test_the_collector_runs_again_for_every_command_but_advise(tmp_path, args, expected):
    rows = tmp_path / "rows.csv"
    rows.write_text((ROOT / "tests" / "fixtures" / "real-world" / "excel-text-wrappers.csv").read_text("utf-8"), "utf-8")
    words = [a.format(profile=PROFILES / "05-hybrid-bank.yaml", rows=rows, out=tmp_path / "out.csv") for a in args]
    run = _run(tmp_path, *words, code=_COLLECTOR)
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode().split("\n")[-2] == expected


def test_the_library_leaves_the_collector_as_the_program_set_it():
    import gc

    import yaml

    from advisor.pipeline import score

    assert gc.isenabled()
    score(yaml.safe_load((PROFILES / "05-hybrid-bank.yaml").read_text("utf-8")), as_of="2026-06-01")
    assert gc.isenabled()


_PLUGIN_LOOKUPS = """
import atexit, importlib.metadata, sys
looked = []
real = importlib.metadata.entry_points
def entry_points(**kwargs):
    looked.append(kwargs.get("group"))
    return real(**kwargs)
importlib.metadata.entry_points = entry_points
atexit.register(lambda: print(looked))
sys.argv = ["advisor", *sys.argv[1:]]
from advisor.cli import main
main()
"""


@pytest.mark.parametrize("switch, looked", [(None, "[]"), ("0", "['pydantic']")])
def test_advise_looks_for_pydantic_plugins_only_when_the_user_asks(tmp_path, monkeypatch, switch, looked):
    """Scanning every installed distribution for pydantic plugins costs start-up time for nothing:
    the command line turns it off, unless PYDANTIC_DISABLE_PLUGINS says otherwise."""
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    if switch is not None:
        monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", switch)
    run = _run(tmp_path, "advise", str(PROFILES / "05-hybrid-bank.yaml"), "-f", "json", code=_PLUGIN_LOOKUPS)
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode().splitlines()[-1] == looked
