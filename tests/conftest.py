"""Shared fixtures: the bundled pack compiled once per test session, and small helpers."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
PROFILES = ROOT / "profiles"
MINIPACK = Path(__file__).parent / "fixtures" / "minipack"

# The interface language (help, usage errors, error messages) follows ADVISOR_LANG and the locale
# (advisor.console.interface_lang). The suite pins messages in English, whatever the machine's
# locale: LANGUAGE=en asks for English messages, as gettext reads it; the output's language
# (--lang) keeps its default, Chinese. tests/test_chinese_first.py runs the Chinese interface
# with the environment of a Chinese user.
os.environ["LANGUAGE"] = "en"
os.environ.pop("ADVISOR_LANG", None)

# The pack cache (advisor.engine.pack_cache) and the layout cache go to a folder of this test run,
# shared by its workers and their subprocesses, not to the user's ~/.cache/advisor: a run never
# reads what another checkout or version left there, and leaves nothing behind (pytest_sessionfinish).
# A test of the cache itself sets XDG_CACHE_HOME to its own folder.
# The controller makes the folder before it starts the workers, which inherit its environment.
if not os.environ.get("ADVISOR_TEST_CACHE"):
    os.environ["ADVISOR_TEST_CACHE"] = tempfile.mkdtemp(prefix="advisor-test-cache-")
TEST_CACHE = Path(os.environ["ADVISOR_TEST_CACHE"])
os.environ["XDG_CACHE_HOME"] = str(TEST_CACHE)


def pytest_sessionfinish(session):
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # the controller, once every worker is done
        shutil.rmtree(TEST_CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def _no_remembered_language():
    """A command run in-process remembers its ``--lang`` for its messages
    (``advisor.console.remember_lang``); each test starts without it, in whatever order they run."""
    from advisor.console import remember_lang

    remember_lang(None)
    yield


@pytest.fixture(scope="session")
def advisor():
    """The bundled pack, loaded and compiled."""
    from advisor.pipeline import get_advisor

    return get_advisor()


@pytest.fixture()
def recommend(advisor):
    """Recommend for a raw profile mapping; returns the JSON dict."""
    from advisor.profile import parse_profile

    def run(raw: dict, lang: str = "en") -> dict:
        return advisor.recommend(parse_profile(raw), lang).model_dump(mode="json")

    return run


@pytest.fixture()
def cli():
    """Run the CLI in-process; returns the click Result (stderr kept apart)."""
    from advisor.cli import cli as group

    def run(*args: str, input: str | None = None):
        return CliRunner().invoke(group, list(args), input=input, catch_exceptions=False)

    return run


def as_json(result) -> dict:
    """The JSON a command printed."""
    return json.loads(result.stdout)
