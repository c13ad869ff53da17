"""Memos at the edges: the longest names, dates before the law, the Python API as documented."""

from __future__ import annotations

import datetime as dt
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



# --- 3. the Python API takes what advisor.score returns ---------------------------------------------


def test_write_memo_takes_the_dict_advisor_score_returns_and_a_profile_mapping(tmp_path):
    import advisor
    from advisor.memo import write_memo

    profile = small("甲")
    rec = advisor.score(profile, as_of="2017-01-01")
    path = write_memo(rec, profile, "markdown", "zh", tmp_path / "a.md", date="2025-03-01")
    text = path.read_text("utf-8")
    assert text.startswith("# 甲：")
    assert "2017年1月1日" in text  # the recommendation's own date, reused
    path = write_memo(rec, profile, "docx", "en", str(tmp_path / "a.docx"), date=dt.date(2025, 3, 1))
    assert path.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize("change, message", [
    ({"fmt": "pdf"}, "fmt 'pdf' is not allowed; allowed: markdown, html, docx"),
    ({"lang": "fr"}, "lang 'fr' is not allowed; allowed: zh, en"),
    ({"path": 3}, "path 3 is not a file name; give a str or pathlib.Path, e.g. 'memo.docx'"),
    ({"path": "a.docx"}, "path 'a.docx' names a docx file, but fmt is 'markdown'; name the file for the format "
                         "(.md, .html, .docx)"),
    ({"profile": ["甲"]}, "profile must be a mapping of field: value (as in a profile file) or an "
                          "advisor.profile.Profile, not a list"),
    ({"rec": "{}"}, "rec must be the dict advisor.score returns, a Recommendation or None, not a str"),
    ({"rec": {"profile": "甲"}}, "rec is not a recommendation as advisor.score returns it: deployment: Field required"),
    ({"rec": "other"}, "rec is the recommendation for '乙', not for the profile given ('甲'); pass the profile it "
                       "was made from, or rec=None"),
    ({"date": 20250301}, "date 20250301 is not a date; give a datetime.date or YYYY-MM-DD text, e.g. 2025-06-01"),
    ({"as_of": "2025-13-01"}, "as_of: '2025-13-01' is not a date; use YYYY-MM-DD, e.g. 2025-06-01"),
])
def test_write_memo_names_a_wrong_argument(tmp_path, change, message):
    import advisor
    from advisor.errors import ArgumentError
    from advisor.memo import write_memo
    from advisor.messages import translate

    args = {"rec": advisor.score(small("甲")), "profile": small("甲"), "fmt": "markdown", "lang": "zh",
            "path": str(tmp_path / "a.md")}
    if change.get("rec") == "other":
        change = {"rec": advisor.score(small("乙"))}
    keywords = {k: change.pop(k) for k in ("date", "as_of") if k in change}
    args.update(change)
    with pytest.raises(ArgumentError) as raised:
        write_memo(*args.values(), **keywords)
    assert str(raised.value) == message
    assert not (tmp_path / "a.md").exists()
    assert translate(message, "zh") != message  # said in Chinese too


def test_write_memo_refuses_an_invalid_profile_mapping_with_its_fields(tmp_path):
    from advisor.errors import ProfileError
    from advisor.memo import write_memo

    with pytest.raises(ProfileError, match="field 'sector' is required"):
        write_memo(None, {"name": "甲"}, "html", "zh", tmp_path / "a.html")


def test_the_readme_memo_example_runs_as_written(tmp_path, monkeypatch):
    """The Python example of the README's memo section, run in a fresh folder."""
    readme = (PROFILES.parent / "README.md").read_text("utf-8")
    section = readme.split("## Recommendation memos (`advisor memo`)")[1].split("\n## ")[0]
    code = section.split("```python\n")[1].split("```")[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["甲.docx", "甲.md"]


# --- English counts: "1 item", "2 items" ------------------------------------------------------------


def test_a_choice_by_number_says_one_for_one_and_many_for_the_rest():
    from advisor.memo.text import mt

    assert mt("summary_compliance", "en", total=1, required=1, recommended=0) == \
        "The compliance checklist has 1 item: 1 required and 0 recommended."
    assert mt("summary_compliance", "en", total=2, required=1, recommended=1) == \
        "The compliance checklist has 2 items: 1 required and 1 recommended."
    assert mt("summary_steps", "en", count=1) == "The most important next step:"
    assert mt("summary_steps", "en", count=3) == "The 3 most important next steps:"
    assert mt("up_intro", "en", count=1, as_of="A", end="B").startswith("This obligation comes into force")
    assert mt("up_intro", "en", count=2, as_of="A", end="B").startswith("These 2 obligations come into force")
    assert mt("summary_compliance", "zh", total=1, required=1, recommended=0) == "合规清单共1项，其中必须事项1项、建议事项0项。"


def test_no_english_memo_of_the_bundled_profiles_counts_one_in_the_plural(cli, tmp_path):
    """Every bundled profile's English memo, read for "1 <plural>" in the memo's own sentences
    (memo_text.yaml; the cost lines are advisor.costs' own)."""
    from advisor.memo.text import _data

    plurals = re.compile(r"(?<![\d.,])1 (items|obligations|concurrent requests|most important next steps|"
                         r"places)\b|These 1 |1 more obligations|1 of the profile's requirements")
    for profile in sorted(PROFILES.glob("*.yaml")):
        out = tmp_path / f"{profile.stem}.md"
        result = cli("memo", str(profile), "--lang", "en", "--date", DATE, "--as-of", "2025-06-01", "-o", str(out))
        assert result.exit_code == 0, result.output
        found = plurals.findall(out.read_text("utf-8"))
        assert not found, (profile.name, found)
    assert "{count?" in str(_data()["text"])  # the memo's wording uses the choice


# --- the chart of a Word memo has its alt text ----------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_word_chart_has_the_alt_text_html_gives_it(cli, tmp_path, lang):
    import zipfile

    bank = PROFILES / "05-hybrid-bank.yaml"
    docx_path, html_path = tmp_path / "m.docx", tmp_path / "m.html"
    for path in (docx_path, html_path):
        assert cli("memo", str(bank), "--lang", lang, "--date", DATE, "-o", str(path)).exit_code == 0
    alts = re.findall(r'<img [^>]*alt="([^"]+)"', html_path.read_text("utf-8"))
    assert len(alts) == 1
    xml = zipfile.ZipFile(docx_path).read("word/document.xml").decode("utf-8")
    assert re.findall(r'<wp:docPr [^>]*descr="([^"]*)"', xml) == alts


def test_one_of_anything_is_counted_in_the_singular_in_every_english_output(cli, tmp_path):
    """A one-person firm with one user: its cost lines, hardware and break-even say "1 user",
    "1 request", "1 accelerator", "1 employee", never "1 users" (advisor.ui_text's choices)."""
    from advisor.ui_text import t

    profile = tmp_path / "one.yaml"
    profile.write_text("name: solo\nemployees: 1\nsector: 金融\nprivacy: low\nbudget: 1万\nusers: 1\n", "utf-8")
    plural = re.compile(r"(?<![\d.,])1 (users|requests|accelerators|employees|months|days)\b")
    texts = []
    for fmt in ("table", "markdown", "json"):
        result = cli("advise", str(profile), "--lang", "en", "-f", fmt, "--as-of", "2025-06-01")
        assert result.exit_code == 0, result.output
        texts.append(result.output)
    out = tmp_path / "one.md"
    assert cli("memo", str(profile), "--lang", "en", "--date", DATE, "--as-of", "2025-06-01", "-o", str(out)).exit_code == 0
    texts.append(out.read_text("utf-8"))
    assert "1 user;" in texts[0] and "1 accelerator" in texts[0]
    assert not [plural.findall(text) for text in texts if plural.search(text)]
    assert t("usage_line", "en", users="2", users_est="", tokens="5", tokens_est="").startswith("Usage: 2 users;")
    assert t("usage_line", "zh", users="1", users_est="", tokens="5", tokens_est="").startswith("用量：1人")
