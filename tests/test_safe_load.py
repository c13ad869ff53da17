"""The one YAML/JSON reader: YAML 1.2 meanings, duplicate keys, alias bombs, exact JSON numbers."""

from __future__ import annotations

import time

import pytest

from advisor.safe_load import DATA, TEXT, DocumentError, colon_hints, json_value, load_yaml, non_finite, yaml_items


def test_data_schema_is_yaml_1_2_core():
    text = ("octal: 0350\nhex: 0x1F\nexplicit_octal: 0o17\nyes_word: yes\nno_word: no\non_word: on\ny: y\n"
            "date: 2024-01-01\ntime: 12:30:00\nflag: true\nFlag: False\nnothing: ~\nalso: null\nempty:\n"
            "float: 1.5\nexp: 1e3\nsigned: -7\n")
    assert load_yaml(text, DATA) == {
        "octal": 350, "hex": 31, "explicit_octal": 15, "yes_word": "yes", "no_word": "no", "on_word": "on",
        "y": "y", "date": "2024-01-01", "time": "12:30:00", "flag": True, "Flag": False, "nothing": None,
        "also": None, "empty": None, "float": 1.5, "exp": 1000.0, "signed": -7,
    }


def test_text_schema_keeps_every_plain_value_as_written():
    text = "a: 0350\nb: 499999.99\nc: true\nd: 1.50\ne: 2024-01-01\nf: ~\ng: [1, yes]\nh: '0350'\n"
    assert load_yaml(text, TEXT) == {"a": "0350", "b": "499999.99", "c": "true", "d": "1.50", "e": "2024-01-01",
                                     "f": None, "g": ["1", "yes"], "h": "0350"}


def test_non_finite_numbers_are_found_with_their_path():
    data = load_yaml("a: [1, .nan]\nb: {c: 1e400, d: -.inf}\n", DATA)
    assert sorted((path, str(v)) for path, v in non_finite(data)) == [
        (("a", 1), "nan"), (("b", "c"), "inf"), (("b", "d"), "-inf")]


@pytest.mark.parametrize("schema", [DATA, TEXT])
def test_a_key_given_twice_names_both_lines(schema):
    with pytest.raises(DocumentError) as info:
        load_yaml("a: 1\nb:\n  c: 1\n  c: 2\n", schema)
    assert str(info.value) == "line 4, column 3: key 'c' is given twice (lines 3 and 4); keep one"


def test_merge_keys_may_be_overridden_and_are_no_duplicates():
    text = "base: &b {x: 1, y: 2}\nitems:\n  - <<: *b\n    x: 3\n  - <<: *b\n"
    assert load_yaml(text, DATA)["items"] == [{"x": 3, "y": 2}, {"x": 1, "y": 2}]
    items = list(yaml_items("- &b {name: A, x: 1}\n- <<: *b\n  name: B\n- <<: *b\n  name: C\n", TEXT))
    assert [v for _, v in items] == [{"name": "A", "x": "1"}, {"name": "B", "x": "1"}, {"name": "C", "x": "1"}]


@pytest.mark.parametrize("text", [
    "a: &a [" + ",".join(["x"] * 10) + "]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(8)),
    "a: &a [" + ",".join(["x"] * 1000) + "]\nb: [" + ",".join(["*a"] * 1000) + "]\n",  # quadratic
])
def test_aliases_that_blow_a_document_up_are_refused_at_once(text):
    started = time.monotonic()
    with pytest.raises(DocumentError) as info:
        load_yaml(text, TEXT)
    assert "aliases (*name) expand this document to" in str(info.value)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("schema", [DATA, TEXT])
@pytest.mark.parametrize("text,line", [
    ("a: &a [1, *a]\n", 1),
    ("rules: &a [*a]\n", 1),
    ("x: 1\na: &x {b: {c: *x}}\n", 2),
    ("- &r\n  name: A\n  more: [*r]\n", 3),  # the line of the value that holds the alias
])
def test_a_value_that_contains_itself_is_refused_before_anything_is_built(schema, text, line):
    # No data of advisor's refers to itself; every reader walking such a value would never end.
    message = "a value contains itself: an alias (*name) inside the value its anchor (&name) names"
    with pytest.raises(DocumentError) as info:
        load_yaml(text, schema)
    assert message in str(info.value) and info.value.line == line
    with pytest.raises(DocumentError) as info:
        list(yaml_items(text, schema))
    assert message in str(info.value)


def test_an_alias_of_a_value_beside_it_is_no_loop():
    data = load_yaml("a: &a [1, 2]\nb: {c: *a, d: *a}\n", DATA)
    assert data["b"] == {"c": [1, 2], "d": [1, 2]}


@pytest.mark.parametrize("text,reason", [
    ("a: " + "[" * 1001 + "]" * 1001, "nested more than 1,000 levels deep"),
    ("a: " + "9" * 101, "a number of 101 digits (at most 100)"),
    ("a: [unclosed\n", "did not find expected ',' or ']'"),
])
def test_documents_that_cannot_be_read(text, reason):
    with pytest.raises(DocumentError) as info:
        load_yaml(text, DATA)
    assert reason in str(info.value) and info.value.line is not None


def test_nesting_up_to_the_limit_is_built_without_recursion():
    depth = 990
    value = load_yaml("[" * depth + "]" * depth, DATA)
    for _ in range(depth - 1):
        value = value[0]
    assert value == []


def test_json_numbers_are_their_text_and_nothing_else_changes():
    text = '{"a": 499999.999999999999999, "b": 0.1, "c": true, "d": null, "e": [1]} '
    assert json_value(text) == ({"a": "499999.999999999999999", "b": "0.1", "c": True, "d": None, "e": ["1"]},
                                len(text) - 1)
    assert json_value('{"n": ' + "9" * 5000 + "}")[0]["n"] == "9" * 5000


@pytest.mark.parametrize("text,message", [
    ('{"a": 1,\n "a": 2}', "line 1, column 1: key 'a' is given twice (lines 1 and 2); keep one"),
    ('{"a": NaN}', "NaN is not a number; JSON has no NaN or infinity"),
    ('{"a": -Infinity}', "-Infinity is not a number"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
])
def test_json_that_cannot_mean_anything(text, message):
    with pytest.raises(DocumentError) as info:
        json_value(text)
    assert message in str(info.value)


def test_colon_hints_point_at_the_colon_and_leave_other_colons_alone():
    keys = {"name", "sector", "隐私要求"}
    text = "name: A\nsector：金融\nurl:http://x\n# sector:x\nname:B\n隐私要求：高\nnote: 10:30\n"
    hints = colon_hints(text, keys)
    assert [h.splitlines()[0] for h in hints] == ["line 2: sector：金融", "line 5: name:B", "line 6: 隐私要求：高"]
    assert hints[0].splitlines()[1] == " " * len("line 2: sector") + "^ a full-width colon '：': write 'sector: 金融'"
    assert hints[2].splitlines()[1].index("^") == len("line 6: ") + 8  # four wide characters


@pytest.mark.parametrize("text,reason", [
    ("!!int size: small\n", "line 1, column 1: 'size' cannot be read as int"),
    ("a: !!bool maybe\n", "line 1, column 4: 'maybe' cannot be read as bool"),
    ("a: !!timestamp soon\n", "line 1, column 4: 'soon' cannot be read as timestamp"),
    ("a: !!python/object:os.system x\n", "could not determine a constructor"),
])
def test_a_value_that_does_not_fit_its_tag_is_a_document_error(text, reason):
    for schema in (DATA, TEXT):
        with pytest.raises(DocumentError) as info:
            load_yaml(text, schema)
        assert reason in str(info.value)


SELF = "a value contains itself"


@pytest.mark.parametrize("where", ["rules", "cases", "profile", "prices", "batch"])
def test_every_file_that_contains_itself_is_an_error_not_a_hang(where, tmp_path):
    """A rule file, a case file, a profile, a price file and a batch list whose alias contains
    its own anchor: exit 2 (batch: the list cannot be read) at once, naming the file, in Chinese."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    profile = str(root / "profiles" / "05-hybrid-bank.yaml")
    args = ["advise", profile]
    if where in ("rules", "cases"):
        pack = tmp_path / "pack"
        shutil.copytree(root / "rules", pack)
        target = pack / "loop.yaml" if where == "rules" else pack / "cases" / "loop.yaml"
        target.parent.mkdir(exist_ok=True)
        target.write_text(f"{where}: &a [*a]\n", encoding="utf-8")
        args = ["rules", "test", "--rules", str(pack)] if where == "cases" else [*args, "--rules", str(pack)]
    elif where == "profile":
        (tmp_path / "p.yaml").write_text("name: &a [*a]\nsize: small\n", encoding="utf-8")
        args = ["advise", str(tmp_path / "p.yaml")]
    elif where == "prices":
        (tmp_path / "p.yaml").write_text("prices: &a {items: *a}\n", encoding="utf-8")
        args = [*args, "--prices", str(tmp_path / "p.yaml")]
    else:
        (tmp_path / "list.yaml").write_text("- &r\n  name: A\n  more: [*r]\n", encoding="utf-8")
        args = ["batch", str(tmp_path / "list.yaml"), "-o", str(tmp_path / "out.csv")]
    run = subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True,
                         timeout=60, env={**__import__("os").environ, "ADVISOR_LANG": "zh"})
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert "某个值包含了它自身" in run.stderr and "loop.yaml" in run.stderr if where in ("rules", "cases") else True
    assert "某个值包含了它自身" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("text, where", [
    ("[1,2", "line 1, column 5"),  # the end of a file without a final line break: after its last character
    ("{", "line 1, column 2"),
    ('{"名": 1,', "line 1, column 9"),
    ("a: 1\nb: [1,", "line 2, column 7"),
    ("a: 1\r\nb: [1,", "line 2, column 7"),
    ("a: 1\rb: [1,", "line 2, column 7"),
    ("a: 1\nb: [1,\n", "line 3, column 1"),  # with the line break, the end is the start of the next line
])
def test_the_end_of_a_file_is_located_on_its_last_line(text, where):
    with pytest.raises(DocumentError) as caught:
        load_yaml(text)
    assert str(caught.value).startswith(where + ":"), str(caught.value)
