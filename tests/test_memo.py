"""``advisor memo``: every section in every format and language, escaping, and agreement with advise."""

from __future__ import annotations

import datetime as dt
import json
import re
import string

import pytest
import yaml

from conftest import PROFILES

DATE = "2025-03-01"
BANK = PROFILES / "05-hybrid-bank.yaml"  # hybrid, sensitive data, compliance items with confirmations
PUBLIC_APP = PROFILES / "07-public-writing-app.yaml"  # public-facing generative service
SECTION_KEYS = ["summary", "deployment", "pricing", "model_size", "costs", "compliance", "upcoming", "sector"]


def memo_text(key: str, lang: str, **values) -> str:
    from advisor.memo.text import mt

    return mt(key, lang, **values)


def headings(lang: str) -> list[str]:
    """The numbered section headings and the appendix heading, as the memo prints them."""
    from advisor.memo.text import mlist

    numerals = mlist("numerals", lang)
    out = [memo_text("heading", lang, n=numerals[i], title=memo_text(f"s_{k}", lang)) for i, k in enumerate(SECTION_KEYS)]
    return out + [memo_text("appendix_heading", lang, title=memo_text("s_appendix", lang))]


def subheadings(lang: str) -> list[str]:
    """Subheadings every memo of a profile with a model size and a checklist carries."""
    keys = ["dep_usage", "dep_why", "basis", "size_memory", "pain_heading", "app_profile", "app_rules",
            "app_method", "disclaimer_heading"]
    return [memo_text(k, lang) for k in keys] + [memo_text("dep_compare", lang, count=6)]


def unescape(markdown: str) -> str:
    """Markdown text without its backslash escapes, for comparing with plain strings."""
    return re.sub(r"\\(.)", r"\1", markdown)


def run_memo(cli, tmp_path, profile, fmt, lang, *extra):
    out = tmp_path / f"memo-{lang}.{fmt}"
    result = cli("memo", str(profile), "--format", fmt, "--lang", lang, "--date", DATE, "-o", str(out), *extra)
    assert result.exit_code == 0, result.output
    return out


def docx_text(path) -> tuple[list[str], list[str], list]:
    """(Heading 1 texts, all paragraph texts, tables) of a Word file, read back with python-docx."""
    import docx

    document = docx.Document(str(path))
    heads = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    return heads, [p.text for p in document.paragraphs], document.tables


# --- every section, every format, every language -------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_text_formats_have_every_section(cli, tmp_path, fmt, lang):
    text = unescape(run_memo(cli, tmp_path, BANK, fmt, lang).read_text(encoding="utf-8"))
    if fmt == "html":
        text = _unhtml(text)
    positions = [text.find(h) for h in headings(lang)]
    assert -1 not in positions, [h for h, p in zip(headings(lang), positions) if p == -1]
    assert positions == sorted(positions), "sections out of order"
    for sub in subheadings(lang):
        assert sub in text, sub
    meta = [memo_text(k, lang) for k in ("meta_client", "meta_date", "meta_language", "meta_pack")]
    assert all(m in text for m in meta)
    assert "sha256:" in text  # the rule pack's version: a hash of the rule files
    assert memo_text("date", lang, y=2025, m=3, d=1, month=memo_text("months", lang).split("|")[2]) in text
    assert memo_text("disclaimer", lang) in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_docx_opens_and_has_headings_and_tables(cli, tmp_path, lang):
    path = run_memo(cli, tmp_path, BANK, "docx", lang)
    heads, paragraphs, tables = docx_text(path)
    assert heads == headings(lang)
    for sub in subheadings(lang):
        assert sub in paragraphs, sub
    # meta, modes, weights, KV cache, costs of the modes, cost items, compliance, profile, thresholds, rules
    assert len(tables) == 10
    modes = tables[1]
    assert [c.text for c in modes.rows[0].cells] == [memo_text(k, lang) for k in ("col_mode", "col_score", "col_main_reason")]
    assert len(modes.rows) == 7  # header + the six modes
    costs = tables[4]
    assert [c.text for c in costs.rows[0].cells][1:] == [memo_text(k, lang) for k in
                                                          ("col_first_year", "col_three_years", "col_within_budget")]
    assert len(costs.rows) == 7
    compliance = tables[6]
    assert compliance.rows[0].cells[3].text == memo_text("col_basis", lang)
    assert len(compliance.rows) > 2


def test_html_is_one_self_contained_page_for_a4(cli, tmp_path):
    html = run_memo(cli, tmp_path, BANK, "html", "zh").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html
    assert "<style>" in html and "size: A4" in html
    assert not re.search(r"<(link|script)\b", html)  # nothing loaded from elsewhere
    assert re.findall(r"<img src=\"(\w+):", html) == ["data"]  # the chart is inside the page
    assert html.count("<table") >= 7 and "<thead>" in html


def test_markdown_has_real_tables(cli, tmp_path):
    text = run_memo(cli, tmp_path, BANK, "markdown", "en").read_text(encoding="utf-8")
    header = "| " + " | ".join(memo_text(k, "en") for k in ("col_mode", "col_score", "col_main_reason")) + " |"
    assert header + "\n|---|---|---|\n" in text


# --- content ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_public_facing_profile_lists_its_compliance_items_with_their_basis(cli, tmp_path, lang, advisor):
    from advisor.sources.document import read_profile

    rec = advisor.recommend(read_profile(str(PUBLIC_APP)), lang)
    required = [c for c in rec.compliance if c.status == "required"]
    assert len(required) >= 3  # public generative service: filing, algorithm filing, labelling...
    html = run_memo(cli, tmp_path, PUBLIC_APP, "html", lang).read_text(encoding="utf-8")
    _, paragraphs, tables = docx_text(run_memo(cli, tmp_path, PUBLIC_APP, "docx", lang))
    compliance = next(t for t in tables if t.rows[0].cells[0].text == memo_text("col_item", lang))
    rows = [[c.text for c in row.cells] for row in compliance.rows[1:]]
    assert [r[0] for r in rows] == [c.title for c in rec.compliance]  # required first, as in advise
    for item, row in zip(rec.compliance, rows):
        assert row[1] == item.status_label
        assert row[3] == item.basis
        assert item.actions[0] in row[2]
        assert _html(item.title) in html and _html(item.basis) in html


def _unhtml(text: str) -> str:
    import html

    return html.unescape(text)


def _html(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def test_hostile_profile_name_is_escaped_in_html_and_markdown(cli, tmp_path):
    name = "<script>alert('x')</script> & Co"
    profile = tmp_path / "evil.yaml"
    profile.write_text(yaml.safe_dump({"name": name, "employees": 40, "sector": "media_gaming",
                                       "privacy": "medium", "budget": "low", "public_facing": True},
                                      allow_unicode=True), encoding="utf-8")
    html = run_memo(cli, tmp_path, profile, "html", "en").read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in html
    md = run_memo(cli, tmp_path, profile, "markdown", "en").read_text(encoding="utf-8")
    assert re.search(r"(?<!\\)<script", md) is None and r"\<script\>" in md


def _interface_fragments(lang: str) -> list[str]:
    """Literal pieces of every memo string in ``lang`` that would betray an untranslated template."""
    from advisor.memo.text import _data

    out = []
    for key, texts in _data()["text"].items():
        if texts["zh"] == texts["en"]:
            continue
        for literal, *_ in string.Formatter().parse(both_choices(texts[lang])):
            for piece in re.split(r"[|\n]", literal or ""):
                if lang == "en" and len(re.findall(r"[A-Za-z]", piece)) >= 6:
                    out.append(piece.strip())
                if lang == "zh" and len(re.findall(r"[\u4e00-\u9fff]", piece)) >= 2:
                    out.append(piece.strip())
    return out


@pytest.mark.parametrize("profile", sorted(PROFILES.glob("*.yaml")), ids=lambda p: p.stem)
def test_zh_memo_has_no_untranslated_interface_text(cli, tmp_path, profile):
    zh = run_memo(cli, tmp_path, profile, "markdown", "zh").read_text(encoding="utf-8")
    leaks = [f for f in _interface_fragments("en") if f in zh]
    assert leaks == []
    assert "{" not in zh and "}" not in zh  # no unfilled placeholder
    # Outside ids, model names, units, addresses and images, no English words: rule sources are
    # rendered in Chinese.
    zh = re.sub(r"(https?://|data:)\S+", "", zh)
    words = set(re.findall(r"(?<![\w\-.])[a-z]{4,}(?![\w\-])", zh))
    allowed = {"advisor", "default", "text"} | _identifiers()
    assert words - allowed == set()


def _identifiers() -> set[str]:
    from advisor.vocabulary import vocabulary

    voc = vocabulary()
    ids = set(voc.fields) | {v for values in voc.enums.values() for v in values}
    ids |= {v for values in voc.outputs.values() for v in values}
    return {part for i in ids for part in re.split(r"[_\-]", i)} | {"cny", "json", "config", "yaml", "costs", "prices"}


def test_en_memo_has_no_chinese_interface_text(cli, tmp_path):
    en = run_memo(cli, tmp_path, BANK, "markdown", "en").read_text(encoding="utf-8")
    assert [f for f in _interface_fragments("zh") if f in en] == []


@pytest.mark.parametrize("profile", sorted(PROFILES.glob("*.yaml")), ids=lambda p: p.stem)
def test_memo_numbers_match_advise_json(cli, tmp_path, profile, advisor):
    from advisor.formats.common import number

    advice = json.loads(cli("advise", str(profile), "--format", "json", "--lang", "en").stdout)
    md = run_memo(cli, tmp_path, profile, "markdown", "en").read_text(encoding="utf-8")
    deployment = advice["deployment"]
    for mode in [deployment, *deployment["alternatives"]]:
        row = next(line for line in md.splitlines() if line.startswith("| ") and f"({mode['mode']})" in line.replace("\\", ""))
        assert f"| {number(mode['score'])} |" in row.replace("\\", "")
    left = [a for a in deployment["alternatives"] if not a["excluded"]]  # the runner-up is a mode left open
    if left:
        summary = memo_text("summary_mode", "en", mode=deployment["label"], mode_id=deployment["mode"],
                            count=len(left) + 1, score=number(deployment["score"]), runner=left[0]["label"],
                            runner_score=number(left[0]["score"]), reason="")
    else:
        summary = memo_text("summary_mode_only", "en", mode=deployment["label"], mode_id=deployment["mode"],
                            score=number(deployment["score"]), reason="")
    assert summary in unescape(md)
    for excluded in deployment["excluded"]:
        assert excluded["reason"] in unescape(md)
    size = advice["model_size"]
    if size["min_params_b"] is not None:
        key = "size_single" if size["min_params_b"] == size["max_params_b"] else "size_range"
        assert memo_text(key, "en", min=number(size["min_params_b"]), max=number(size["max_params_b"])) in md
    statuses = [c["status"] for c in advice["compliance"]]
    if statuses:
        assert memo_text("summary_compliance", "en", total=len(statuses), required=statuses.count("required"),
                         recommended=statuses.count("recommended")) in md
    for label in advice["pricing"]["labels"]:
        assert label in unescape(md)
    for entry in advice["trace"]:
        assert f"| {entry['rule']} |" in unescape(md)


def test_memo_data_is_the_recommendation(advisor):
    from advisor.memo import build_memo
    from advisor.sources.document import read_profile

    profile = read_profile(str(BANK))
    rec = advisor.recommend(profile, "zh")
    memo = build_memo(rec, profile, advisor.pack, dt.date(2025, 3, 1))
    assert memo.data["recommendation"] == rec.model_dump(mode="json")
    assert [s.key for s in memo.sections] == [*SECTION_KEYS, "appendix"]


def test_memory_estimate_shows_the_formula_and_a_named_reference_model(cli, tmp_path):
    md = run_memo(cli, tmp_path, BANK, "markdown", "en").read_text(encoding="utf-8")
    assert memo_text("kv_formula", "en") in md
    # bank: 10–20 B → GLM-4-9B and InternLM2-20B; 8,192 tokens × 100 requests (5% of 2,000 users)
    assert "10 B, GLM-4-9B: 2 × 40 × 2 × 128 × 2 × 819,200 = 33,554,432,000 bytes ≈ 33.55 GB" in unescape(md)
    assert "20 B, InternLM2-20B: 2 × 48 × 8 × 128 × 2 × 819,200 = 161,061,273,600 bytes ≈ 161.06 GB" in unescape(md)
    assert "| 20 B | 40 GB | 20 GB | 10 GB |" in md


# --- behaviour of the command ------------------------------------------------------------------


def test_text_formats_print_to_standard_output_and_are_deterministic(cli):
    first = cli("memo", str(BANK), "--date", DATE)
    second = cli("memo", str(BANK), "--date", DATE)
    assert first.exit_code == 0 and first.stdout == second.stdout
    assert first.stdout.startswith("# ")  # markdown, Chinese by default
    assert memo_text("s_summary", "zh") in first.stdout


def test_docx_bytes_are_reproducible(cli, tmp_path):
    a = run_memo(cli, tmp_path, BANK, "docx", "zh").read_bytes()
    b = run_memo(cli, tmp_path, BANK, "docx", "zh").read_bytes()
    assert a == b


def test_docx_needs_an_output_file(cli):
    result = cli("memo", str(BANK), "--format", "docx")
    assert result.exit_code == 2 and "--output" in result.stderr


def test_bad_date_and_bad_profile_are_clear_errors(cli, tmp_path):
    result = cli("memo", str(BANK), "--date", "1 March")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: X\nsector: banking\nprivacy: high\nbudget: high\nsize: large\n", encoding="utf-8")
    result = cli("memo", str(bad))
    assert result.exit_code == 2 and "sector" in result.stderr and "banking" in result.stderr
    assert "Traceback" not in result.stderr


def test_user_template(cli, tmp_path):
    template = tmp_path / "mine.md.j2"
    template.write_text("{{ memo.title }} | {{ memo.data.recommendation.deployment.mode }}"
                        " | {{ memo.sections | length }}\n", encoding="utf-8")
    result = cli("memo", str(BANK), "--lang", "en", "--template", str(template))
    assert result.exit_code == 0
    assert result.stdout == f"{memo_text('title', 'en', name='江南农村商业银行')} | hybrid | 9\n"


def test_user_template_errors_name_the_file_and_line(cli, tmp_path):
    template = tmp_path / "broken.html.j2"
    template.write_text("<h1>{{ memo.title }}</h1>\n{% for s in memo.sections %}\n", encoding="utf-8")
    result = cli("memo", str(BANK), "--format", "html", "--template", str(template))
    assert result.exit_code == 2
    assert "broken.html.j2" in result.stderr and "line" in result.stderr
    assert "Traceback" not in result.stderr
    template.write_text("{{ memo.no_such_thing }}", encoding="utf-8")
    result = cli("memo", str(BANK), "--template", str(template))
    assert result.exit_code == 2 and "no_such_thing" in result.stderr


def test_write_memo_for_batch(tmp_path, advisor):
    from advisor.memo import EXTENSIONS, MemoNamer, write_memo
    from advisor.sources.document import read_profile

    profile = read_profile(str(BANK))
    rec = advisor.recommend(profile, "en")  # another language than the memo's: recommended again
    namer = MemoNamer(EXTENSIONS["docx"])
    path = write_memo(rec, profile, "docx", "zh", tmp_path / "memos" / namer.name(profile.name),
                      date=dt.date(2025, 3, 1))
    assert path.name == "江南农村商业银行.docx" and path.is_file()
    heads, _, _ = docx_text(path)
    assert heads == headings("zh")


def both_choices(text: str) -> str:
    """A memo string with each choice by number (``{n?one|other}``) as both its sides, ``one|other``."""
    from advisor.ui_text import CHOICE

    return CHOICE.sub(lambda m: m.group(2) + "|" + m.group(3), text)


def fields(text: str) -> set[str]:
    """The placeholders of a memo string, those of its choices by number (``{n?one|other}``) included."""
    from advisor.ui_text import CHOICE

    names = {m.group(1) for m in CHOICE.finditer(text)}
    return names | {f for _, f, _, _ in string.Formatter().parse(both_choices(text)) if f}


def test_memo_text_is_complete_in_both_languages():
    from advisor.memo.text import _data

    for key, texts in _data()["text"].items():
        assert set(texts) == {"zh", "en"}, key
        assert all(isinstance(v, str) and v.strip() for v in texts.values()), key
        en, zh = fields(texts["en"]), fields(texts["zh"])
        assert en <= zh or zh <= en, key  # one language may leave out a detail, never invent another


def test_help_does_not_load_the_heavy_libraries():
    import subprocess
    import sys

    code = ("import sys; from click.testing import CliRunner; from advisor.cli import cli;"
            "CliRunner().invoke(cli, ['memo', '--help']);"
            "print(sorted(m for m in ('docx', 'jinja2', 'durable', 'lxml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
