"""``advisor batch``: every good row scored, bad rows reported, outputs, summary, atomic files."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest
from batch_data import BAD_ROWS, FIELDS, client_rows, write_csv

import advisor


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture()
def clients(tmp_path):
    """60 rows with 4 bad ones, Chinese headers, UTF-8."""
    return write_csv(tmp_path / "clients.csv", client_rows(60, bad=True))


def test_every_good_row_is_scored_and_each_bad_row_reported(cli, clients):
    result = cli("batch", str(clients), "-f", "jsonl", "-q")
    assert result.exit_code == 1
    rows = jsonl(result.stdout)
    assert len(rows) == 60
    for number, row in enumerate(rows, start=1):
        if number in BAD_ROWS:
            name = BAD_ROWS[number][0]["name"]  # the name, when the bad row gives one, as in the CSV
            assert row == {"record": number, **({"profile": name} if name else {}), "error": row["error"]}
        else:
            assert row["profile"] == f"客户{number:05d}" and row["deployment"]["mode"]
    messages = [line for line in result.stderr.splitlines() if line.startswith("advisor: ")]
    assert len(messages) == len(BAD_ROWS)
    for message, (number, (_, field)) in zip(messages, sorted(BAD_ROWS.items())):
        # record N is on line N+1 (after the header); the message names the field
        assert f"clients.csv, record {number}, line {number + 1}: invalid profile" in message
        assert f"'{field}'" in message


def test_cli_output_is_what_score_many_gives(cli, tmp_path):
    rows = client_rows(40, seed=5, bad=True)
    path = write_csv(tmp_path / "c.csv", rows, chinese_headers=False)
    lines = jsonl(cli("batch", str(path), "-q").stdout)
    raw = [{k: v for k, v in row.items() if v != ""} for row in csv.DictReader(io.StringIO(path.read_text("utf-8")))]
    library = list(advisor.score_many(raw, lang="zh"))
    assert len(lines) == len(library) == 40
    for got, expected in zip(lines, library):
        if "error" in expected:
            assert got["record"] == expected["record"]  # the CLI's message also names file and line
        else:
            assert got == expected
    assert library[0] == advisor.score(raw[0], lang="zh")


def test_score_many_takes_profiles_and_mappings_and_reports_bad_ones():
    from advisor.profile import parse_profile

    profile = parse_profile({"name": "甲", "size": "large", "sector": "金融", "privacy": "高", "budget": "高"})
    results = advisor.score_many(iter([profile, {"name": "乙"}]))
    assert next(results) == advisor.score(profile)
    bad = next(results)
    assert bad["record"] == 2 and "缺少必填字段“sector”" in bad["error"]  # in the results' language
    english = list(advisor.score_many(iter([{"name": "乙"}]), lang="en"))
    assert "'sector' is required" in english[0]["error"]


def test_json_csv_and_table_outputs_say_the_same(cli, clients, tmp_path):
    lines = jsonl(cli("batch", str(clients), "-q").stdout)
    as_list = json.loads(cli("batch", str(clients), "-q", "-f", "json").stdout)
    assert as_list == lines

    out = tmp_path / "out.csv"
    assert cli("batch", str(clients), "-q", "-o", str(out), "--headers", "ids").exit_code == 1  # format from the suffix
    data = out.read_bytes()
    assert data.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(table[0]) == ["record", "profile", "mode", "mode_label", "score", "alternatives", "pricing",
                              "min_params_b", "max_params_b", "required", "recommended", "first_year_cny_low",
                              "first_year_cny_high", "within_budget", "error"]
    for row, line in zip(table, lines):
        if "error" in line:
            assert row["error"] == line["error"] and row["mode"] == ""
            continue
        assert row["profile"] == line["profile"] and row["mode"] == line["deployment"]["mode"]
        assert float(row["score"]) == line["deployment"]["score"]
        assert row["alternatives"].split(";")[0].split(":")[0] == line["deployment"]["alternatives"][0]["mode"]
        assert row["pricing"].split(";") == line["pricing"]["models"]
        assert row["required"] == ";".join(c["id"] for c in line["compliance"] if c["status"] == "required")
        assert row["recommended"] == ";".join(c["id"] for c in line["compliance"] if c["status"] == "recommended")
        assert row["min_params_b"] == str(line["model_size"]["min_params_b"] or "")
        chosen = line["costs"][0]  # the recommended mode's costs, read from the profile's own values
        assert chosen["mode"] == row["mode"]
        assert [int(row["first_year_cny_low"]), int(row["first_year_cny_high"])] == chosen["first_year_cny"]
        assert row["within_budget"] == {True: "true", False: "false", None: ""}[chosen["within_budget"]]

    text = cli("batch", str(clients), "-q", "-f", "table").stdout
    assert "企业名称" in text and "客户00001" in text and "字段“sector”：值 '火星' 不允许" in text


def test_english_output(cli, clients):
    lines = jsonl(cli("batch", str(clients), "-q", "--lang", "en").stdout)
    assert lines[0]["lang"] == "en"


def test_each_input_kind_and_standard_input(cli, tmp_path):
    rows = client_rows(6, seed=2)
    gbk = write_csv(tmp_path / "gbk.csv", rows, encoding="gbk")
    bom = write_csv(tmp_path / "bom.csv", rows, encoding="utf-8-sig")
    clean = [{k: v for k, v in r.items() if v} for r in rows]
    (tmp_path / "p.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in clean), "utf-8")
    (tmp_path / "p.json").write_text(json.dumps(clean, ensure_ascii=False, indent=1), "utf-8")
    import yaml

    (tmp_path / "p.yaml").write_text(yaml.safe_dump(clean, allow_unicode=True), "utf-8")
    folder = tmp_path / "folder"
    folder.mkdir()
    for n, r in enumerate(clean):
        (folder / f"{n:02d}.yaml").write_text(yaml.safe_dump(r, allow_unicode=True), "utf-8")

    expected = jsonl(cli("batch", str(gbk), "-q").stdout)
    assert [r["profile"] for r in expected] == [r["name"] for r in rows]
    for source in (bom, tmp_path / "p.jsonl", tmp_path / "p.json", tmp_path / "p.yaml", folder):
        assert jsonl(cli("batch", str(source), "-q").stdout) == expected, source
    piped = cli("batch", "-", "-q", input=gbk.read_bytes())
    assert jsonl(piped.stdout) == expected
    both = jsonl(cli("batch", str(gbk), str(tmp_path / "p.jsonl"), "-q").stdout)
    assert both == expected + expected


def test_source_errors_exit_2_without_output(cli, tmp_path):
    out = tmp_path / "out.jsonl"
    result = cli("batch", str(tmp_path / "missing.csv"), "-o", str(out))
    assert result.exit_code == 2 and "no such file" in result.stderr and not out.exists()
    bad = tmp_path / "bad.csv"
    bad.write_text("name,sectr\nA,finance\n", "utf-8")
    result = cli("batch", str(bad), "-o", str(out))
    assert result.exit_code == 2 and "unknown column 'sectr'" in result.stderr and not out.exists()
    assert "Traceback" not in result.output


def test_max_errors_stops_early_and_writes_no_file(cli, clients, tmp_path):
    out = tmp_path / "out.jsonl"
    result = cli("batch", str(clients), "-o", str(out), "--max-errors", "2")
    assert result.exit_code == 1
    assert not out.exists() and list(tmp_path.iterdir()) == [clients]
    reported = [line for line in result.stderr.splitlines() if "invalid profile" in line]
    assert len(reported) == 2 and "record 3," in reported[0] and "record 7," in reported[1]
    assert "--max-errors" in result.stderr


@pytest.mark.parametrize("failure", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_a_run_that_fails_midway_leaves_no_output_file(cli, tmp_path, monkeypatch, failure):
    from advisor.batch.scorer import Scorer

    path = write_csv(tmp_path / "c.csv", client_rows(1500, seed=3))
    out = tmp_path / "out.jsonl"
    out.write_text("the previous run\n", "utf-8")
    real = Scorer.score_block

    def failing(self, records):
        if any(record.number == 1200 for record in records):  # after a chunk was written
            raise failure
        return real(self, records)

    monkeypatch.setattr(Scorer, "score_block", failing)
    result = cli("batch", str(path), "-o", str(out), "-q")
    assert result.exit_code in (3, 130)
    assert out.read_text("utf-8") == "the previous run\n"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "out.jsonl"]  # no temporary file left


def test_a_complete_run_replaces_the_output_file_with_normal_permissions(cli, clients, tmp_path):
    import os

    out = tmp_path / "out.jsonl"
    out.write_text("old\n", "utf-8")
    cli("batch", str(clients), "-o", str(out), "-q")
    assert len(out.read_text("utf-8").splitlines()) == 60
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_summary_counts(cli, clients, tmp_path):
    summary = tmp_path / "summary.md"
    result = cli("batch", str(clients), "--summary", str(summary), "--lang", "en")
    assert result.exit_code == 1
    lines = [line for line in jsonl(result.stdout) if "error" not in line]
    text = summary.read_text("utf-8")
    assert text.startswith("60 records: 56 scored, 4 invalid.\n")  # no run time in a file
    again = tmp_path / "again.md"
    cli("batch", str(clients), "--summary", str(again), "--lang", "en")
    assert again.read_bytes() == summary.read_bytes()
    assert "Recommended deployment modes" not in result.stderr  # the summary went to the file

    from advisor.batch.run import run_batch
    from advisor.batch.scorer import Scorer
    from advisor.batch.writers import make_format
    from advisor.sources.inputs import read_inputs

    report = run_batch(read_inputs([str(clients)]), Scorer(lang="en"), make_format("jsonl", "en"), io.BytesIO())
    modes = Counter(line["deployment"]["mode"] for line in lines)
    assert report.summary.modes() == modes
    rows = {r.number: r.data for r in read_inputs([str(clients)])}
    from advisor.profile import parse_profile

    sectors = Counter((parse_profile(rows[n]).sector, line["deployment"]["mode"])
                      for n, line in enumerate(jsonl(result.stdout), start=1) if "error" not in line)
    assert report.summary.sectors() == sectors
    required = Counter(c["id"] for line in lines for c in line["compliance"] if c["status"] == "required")
    assert {item: counts[0] for item, counts in report.summary.compliance().items() if counts[0]} == required
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines() if line.startswith("|")]
    shown = {row[0]: row[1] for row in cells if row[0].endswith(")")}
    assert {label.rsplit("(", 1)[1].rstrip(")"): int(n) for label, n in shown.items()} == modes


def test_summary_and_closing_note_on_stderr_unless_quiet(cli, clients):
    loud = cli("batch", str(clients), "--lang", "zh")  # --lang zh: the messages on standard error too
    assert "推荐的部署模式" in loud.stderr and "行业 × 部署模式" in loud.stderr and "合规事项" in loud.stderr
    assert "4 条记录有误" in loud.stderr
    quiet = cli("batch", str(clients), "-q")
    assert "推荐的部署模式" not in quiet.stderr and "条记录有误" not in quiet.stderr
    assert quiet.stderr.count("invalid profile") == 4  # bad rows are still reported


def test_progress_line_only_on_a_terminal():
    from advisor.batch.progress import Progress

    stream = io.StringIO()
    progress = Progress(stream, "en", enabled=True)
    progress.update(1000, 2)
    progress.clear()
    assert stream.getvalue().startswith("\r1,000 rows") and "2 invalid" in stream.getvalue()
    assert stream.getvalue().endswith("\r\x1b[K")
    silent = io.StringIO()
    Progress(silent, "en", enabled=False).update(1000, 2)
    assert silent.getvalue() == ""


def test_field_names_as_headers_work_too(cli, tmp_path):
    path = write_csv(tmp_path / "c.csv", client_rows(5, seed=9), chinese_headers=False)
    assert cli("batch", str(path), "-q").exit_code == 0
    assert FIELDS[0] == "name"


@pytest.mark.parametrize("name", ["甲公司", "A, B & Co", 'The "Best" Ltd', "two\nlines", "cr\rhere", " spaced ", "a;b|c"])
def test_csv_names_are_quoted_as_the_csv_module_quotes_them(name):
    from advisor.batch.writers import _csv_text

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([name])  # as the CSV output writes rows
    assert _csv_text(name) + "\r\n" == buffer.getvalue()
