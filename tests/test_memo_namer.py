"""Memo file names: safe on Windows, macOS and Linux, bounded, and unique within a folder."""

from __future__ import annotations

import pytest

from advisor.memo.namer import MAX_STEM_BYTES, MemoNamer, safe_stem

WINDOWS_FORBIDDEN = set('<>:"/\\|?*')


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("江南农村商业银行", "江南农村商业银行"),
        ("Acme Corp.", "Acme-Corp"),
        ("<script>alert(1)</script> & Co", "script-alert(1)-script-Co"),
        ("a/b\\c:d*e?f\"g<h>i|j", "a-b-c-d-e-f-g-h-i-j"),
        ("  ..hidden. ", "hidden"),
        ("tab\tand\nnewline\x00nul", "tab-and-newline-nul"),
        ("上海妙笔（试点）", "上海妙笔（试点）"),
        ("", "memo"),
        ("???", "memo"),
        ("CON", "CON_"),
        ("nul.txt", "nul_.txt"),
        ("Com1", "Com1_"),
        ("LPT9", "LPT9_"),
        ("CONSOLE", "CONSOLE"),
        ("\u202eevil\u202c", "evil"),  # bidirectional overrides are control characters
    ],
)
def test_safe_stem(name, stem):
    assert safe_stem(name) == stem


@pytest.mark.parametrize("name", ["x" * 500, "银" * 500, "é" * 300, "a" * 79 + "银银银"])
def test_long_names_are_cut_within_the_byte_limit(name):
    stem = safe_stem(name)
    assert 0 < len(stem.encode("utf-8")) <= MAX_STEM_BYTES
    assert name.startswith(stem)


def test_names_are_safe_everywhere():
    names = ["<>", "a:b", "x/../../etc/passwd", "..", ".", "-rf", "C:\\Windows", "prn.md", "名称 带 空格"]
    for name in names:
        stem = safe_stem(name)
        assert not set(stem) & WINDOWS_FORBIDDEN
        assert stem not in (".", "..") and not stem.startswith((".", "-")) and not stem.endswith((".", " "))
        assert stem.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}


def test_duplicates_get_numbered_suffixes():
    namer = MemoNamer(".md")
    assert [namer.name(n) for n in ["Acme", "Acme", "Acme", "Beta"]] == ["Acme.md", "Acme-2.md", "Acme-3.md", "Beta.md"]


def test_uniqueness_ignores_case_and_unicode_normalisation():
    namer = MemoNamer("docx")
    first = namer.name("Café")
    second = namer.name("CAFE\u0301")  # the same name in upper case and decomposed form
    assert first == "Café.docx" and second == "CAFÉ-2.docx"


def test_a_suffix_never_collides_with_a_later_natural_name():
    namer = MemoNamer(".html")
    names = [namer.name(n) for n in ["x", "x", "x-2", "x-2", "<x>"]]
    assert names == ["x.html", "x-2.html", "x-2-2.html", "x-2-3.html", "x-3.html"]
    assert len({n.casefold() for n in names}) == len(names)


def test_names_that_differ_only_in_unsafe_characters_stay_apart():
    namer = MemoNamer(".md")
    assert namer.name("A/B") == "A-B.md"
    assert namer.name("A:B") == "A-B-2.md"
