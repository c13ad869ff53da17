"""The faults the fuzzer finds in input parsing that are not fixed yet, each as its smallest input.

Each test states what must happen and is a strict xfail: the day the fault is fixed the test
passes, the suite says so (XPASS is a failure), and the marker and the shape's entry in
``strategies.KNOWN_FAULTS`` go, so that the suite's property tests generate that shape again.
"""

from __future__ import annotations

import pytest

from fuzz import checks, strategies

PROFILE = {"name": "x", "size": "small", "sector": "finance", "privacy": "high", "budget": "low"}
HEADER = "name,size,sector,privacy,budget\n"
ROW = "A,small,finance,high,low\n"


@pytest.mark.xfail(strict=True, reason=strategies.KNOWN_FAULTS["deep_nesting"])
def test_deep_nesting_is_a_profile_error():
    findings = checks.check_profile({**PROFILE, "use_cases": strategies.deep(1500)})
    assert not findings, findings[0].signature


@pytest.mark.xfail(strict=True, reason=strategies.KNOWN_FAULTS["huge_cell"])
def test_a_cell_over_the_csv_field_limit_is_one_error_row(tmp_path):
    data = (HEADER + ROW + '"' + "x" * 140_000 + '",small,finance,high,low\n' + ROW).encode()
    findings = checks.check_batch_file(".csv", data, 3, workdir=tmp_path)
    assert not findings, findings[0].signature


@pytest.mark.xfail(strict=True, reason=strategies.KNOWN_FAULTS["bad_bytes"])
def test_one_row_in_another_encoding_is_one_error_row(tmp_path):
    """40-mixed-encoding.csv in small: UTF-8 rows past the encoding sample, then one GBK row."""
    utf8 = "".join(f"甲公司{n},small,finance,high,low\n" for n in range(3000))
    data = (HEADER + utf8).encode() + "乙公司,small,finance,high,low\n".encode("gbk") + ROW.encode()
    findings = checks.check_batch_file(".csv", data, 3002, workdir=tmp_path, determinism=False)
    assert not findings, findings[0].signature


@pytest.mark.xfail(strict=True, reason=strategies.KNOWN_FAULTS["bad_bytes"])
def test_an_encoded_lone_surrogate_is_one_error_row(tmp_path):
    data = (HEADER + ROW + "B\ud83d,small,finance,high,low\n" + ROW).encode("utf-8", "surrogatepass")
    findings = checks.check_batch_file(".csv", data, 3, workdir=tmp_path)
    assert not findings, findings[0].signature


@pytest.mark.xfail(strict=True, reason=strategies.KNOWN_FAULTS["folder_named_yaml"])
def test_a_folder_named_yaml_in_a_pack_is_a_load_error():
    findings = checks.check_rule_fragment("rules: []\n", as_folder=True)
    assert not findings, findings[0].signature


@pytest.mark.xfail(strict=True, reason=strategies.KNOWN_FAULTS["lone_surrogate"])
def test_a_lone_surrogate_in_a_profile_is_a_profile_error():
    findings = checks.check_profile({**PROFILE, "size": "\ud83d"})
    assert not findings, findings[0].signature
