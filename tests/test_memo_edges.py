"""Memos at the edges: the longest names, dates before the law, the Python API as documented."""

from __future__ import annotations

import json
import re

import pytest

from conftest import PROFILES

DATE = "2025-03-01"
PUBLIC_IMAGE = PROFILES / "15-public-image-app.yaml"  # a public generative service: many compliance items
MAX_NAME = 1000  # advisor.profile.MAX_NAME: the longest name a profile may have


def small(name: str) -> dict:
    return {"name": name, "size": "small", "sector": "other", "privacy": "low", "budget": "low"}


# --- 1. the longest names fit every field of a Word file --------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", ["长" * MAX_NAME, "A😀" * (MAX_NAME // 2)])
def test_a_word_memo_takes_the_longest_name(cli, tmp_path, lang, name):
    import docx

    profile = tmp_path / "long.json"
    profile.write_text(json.dumps(small(name), ensure_ascii=False), "utf-8")
    out = tmp_path / "long.docx"
    result = cli("memo", str(profile), "--lang", lang, "--date", DATE, "-o", str(out))
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    props = document.core_properties
    for field in ("title", "author", "last_modified_by", "language", "subject", "keywords", "comments",
                  "category", "content_status", "identifier", "version"):
        assert len(getattr(props, field)) <= 255, field
    assert len(props.title) == 255 and props.title.endswith("…")
    assert name[:100] in props.title
    assert name in document.paragraphs[0].text  # the document itself shows the name whole


def test_batch_writes_a_word_memo_for_the_longest_name(cli, tmp_path):
    import docx

    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps(small("长" * MAX_NAME), ensure_ascii=False) + "\n"
                    + json.dumps(small("短"), ensure_ascii=False) + "\n", "utf-8")
    memos = tmp_path / "memos"
    result = cli("batch", str(rows), "-o", str(tmp_path / "out.csv"), "--memos", str(memos),
                 "--memo-format", "docx", "--memo-date", DATE)
    assert result.exit_code == 0, result.output
    files = sorted(memos.iterdir())
    assert len(files) == 2
    for path in files:
        assert len(docx.Document(str(path)).core_properties.title) <= 255


def test_property_text_cuts_only_what_does_not_fit():
    from advisor.memo.word import property_text

    assert property_text("x" * 255) == "x" * 255
    assert property_text("x" * 256) == "x" * 254 + "…"
    assert property_text("") == ""


# --- 2. the summary says what the compliance section says -------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("as_of", ["2017-01-01", "1990-01-01"])
def test_the_summary_agrees_with_the_checklist_on_an_early_date(cli, tmp_path, lang, as_of):
    from advisor.memo.text import mt

    advised = cli("advise", str(PUBLIC_IMAGE), "--format", "json", "--lang", lang, "--as-of", as_of)
    notice = json.loads(advised.stdout)["compliance_notice"]
    assert notice and not json.loads(advised.stdout)["compliance"]
    out = tmp_path / "memo.md"
    result = cli("memo", str(PUBLIC_IMAGE), "--lang", lang, "--as-of", as_of, "--date", DATE, "-o", str(out))
    assert result.exit_code == 0, result.output
    text = re.sub(r"\\(.)", r"\1", out.read_text("utf-8"))  # without Markdown's backslash escapes
    summary = text.split("\n## ")[1]  # the first numbered section
    assert summary.startswith(mt("heading", lang, n=1 if lang == "en" else "一", title=mt("s_summary", lang)))
    assert mt("summary_compliance_none", lang) not in text
    assert notice in summary

