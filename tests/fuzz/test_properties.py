"""Property-based tests: generated profiles, CSV and JSON Lines files and rule-pack fragments never
give a traceback or exit 3, never lose a row, and give the same answer twice.

The suite runs a bounded, reproducible number of examples (``derandomize``); ``campaign.py``
beside this file runs the same properties for as long as it is given. The faults fuzzing found
are pinned, each as its smallest input, in ``test_found_faults.py``.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from fuzz import checks, strategies

# Generated values can be large (a 140,000-character cell, nesting 500 deep): Hypothesis warns
# that printing them is costly; that is the point of them.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

SUITE = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.filter_too_much])


def _report(findings: list[checks.Finding]) -> str:
    return "\n\n".join(f"{f.signature}\n{f.detail}\ninput: {_shown(f.input)}" for f in findings)


def _shown(value: object) -> str:
    try:
        return repr(value)[:600]
    except (ValueError, RecursionError):  # a 5,000-digit integer, a list nested 1,000 levels deep
        return f"<{type(value).__name__} too large to show>"


@SUITE
@given(strategies.profiles())
def test_profiles_through_the_api(profile):
    findings = checks.check_profile(profile)
    assert not findings, _report(findings)


@settings(SUITE, max_examples=15)
@given(strategies.csv_files(known_faults=False))  # the campaign generates those shapes too
def test_csv_files_through_batch(tmp_path_factory, sample):
    findings = checks.check_batch_file(sample.suffix, sample.data, sample.records,
                                       workdir=tmp_path_factory.mktemp("csv"))
    assert not findings, _report(findings)


@settings(SUITE, max_examples=15)
@given(strategies.jsonl_files())
def test_jsonl_files_through_batch(tmp_path_factory, sample):
    findings = checks.check_batch_file(sample.suffix, sample.data, sample.records,
                                       workdir=tmp_path_factory.mktemp("jsonl"))
    assert not findings, _report(findings)


@settings(SUITE, max_examples=25)
@given(strategies.rule_fragments())
def test_rule_fragments_through_the_loader(fragment):
    findings = checks.check_rule_fragment(fragment)
    assert not findings, _report(findings)
