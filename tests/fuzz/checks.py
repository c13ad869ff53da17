"""The properties every generated input must keep, as functions that return what went wrong.

Each ``check_*`` runs one input through one way in and returns a list of ``Finding`` (empty when
all is well): a traceback (any exception that is not an ``AdvisorError``), an exit status 3, rows
lost (records in ≠ scored + error rows), or output that differs between two identical runs. The
suite's property tests assert the list is empty; ``campaign.py`` counts and keeps them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MINIPACK = ROOT / "tests" / "fixtures" / "minipack"


@dataclass
class Finding:
    """One fault: its kind, a one-line summary, and the details to reproduce it."""

    kind: str  # traceback | exit3 | lost_rows | nondeterministic | crash | hang
    summary: str
    detail: str = ""
    input: Any = field(default=None, repr=False)
    lost: int = 0  # records that came out neither scored nor as an error row

    @property
    def signature(self) -> str:
        """What makes two findings the same fault: the kind and the summary's first line, without
        the temporary file names and the numbers that differ from one input to the next."""
        first = self.summary.splitlines()[0] if self.summary else ""
        first = re.sub(r"\S*fuzz-[^/\s]+/\S*", "FILE", first)
        return f"{self.kind}: {re.sub(r'[0-9]+', 'N', first)[:160]}"


def _traceback_finding(exc: BaseException, data: Any) -> Finding:
    frames = traceback.extract_tb(exc.__traceback__)
    where = next((f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in reversed(frames)
                  if "/advisor/" in f.filename), "?")
    return Finding("traceback", f"{type(exc).__name__} at {where}: {str(exc)[:120]}",
                   "".join(traceback.format_exception(exc))[-4000:], data)


# --- profiles through the Python API --------------------------------------------------------------


def check_profile(profile: Any, lang: str = "zh") -> list[Finding]:
    """``advisor.score``: a dict (the same twice) or an ``AdvisorError``; nothing else."""
    import advisor
    from advisor.errors import AdvisorError

    results = []
    for _ in range(2):
        try:
            results.append(json.dumps(advisor.score(profile, lang=lang), ensure_ascii=False, sort_keys=True))
        except AdvisorError as exc:
            results.append(f"error: {exc}")
        except Exception as exc:  # noqa: BLE001 -- what the fuzzer looks for
            return [_traceback_finding(exc, profile)]
    if results[0] != results[1]:
        return [Finding("nondeterministic", "advisor.score gave two answers for one profile", "", profile)]
    return []


# --- files through `advisor batch` ------------------------------------------------------------------


@dataclass
class BatchRun:
    exit_code: int
    stdout: bytes
    stderr: str
    exception: BaseException | None


def run_batch_cli(path: Path, *args: str) -> BatchRun:
    """``advisor batch PATH ARGS`` in this process (click's test runner), as a user would run it."""
    from click.testing import CliRunner

    from advisor.cli import cli

    result = CliRunner().invoke(cli, ["batch", str(path), "-q", *args], catch_exceptions=True)
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return BatchRun(result.exit_code, result.stdout_bytes, result.stderr, exception)


def check_batch_file(suffix: str, data: bytes, records: int, *, determinism: bool = True,
                     workdir: Path | None = None) -> list[Finding]:
    """``advisor batch FILE``: no traceback, no exit 3, every record out (scored or an error row),
    the same bytes twice. ``records``: what the file holds."""
    own = workdir is None
    folder = Path(tempfile.mkdtemp(prefix="fuzz-")) if own else workdir
    path = folder / f"input{suffix}"
    path.write_bytes(data)
    sample = {"suffix": suffix, "data": data, "records": records}
    try:
        first = run_batch_cli(path)
        found = _batch_findings(first, records, sample)
        if not found and determinism:
            second = run_batch_cli(path)
            if (second.exit_code, second.stdout) != (first.exit_code, first.stdout):
                found.append(Finding("nondeterministic", "two runs of advisor batch gave different output", "",
                                     sample))
        return found
    finally:
        if own:
            shutil.rmtree(folder, ignore_errors=True)


def _batch_findings(run: BatchRun, records: int, sample: dict) -> list[Finding]:
    if run.exception is not None:
        return [_traceback_finding(run.exception, sample)]
    if run.exit_code == 3 or "internal error" in run.stderr:
        first = next((line for line in run.stderr.splitlines() if "internal error" in line), run.stderr[:200])
        return [Finding("exit3", first.strip(), run.stderr[-2000:], sample)]
    if run.exit_code not in (0, 1, 2):
        return [Finding("exit3", f"unexpected exit status {run.exit_code}", run.stderr[-2000:], sample)]
    if run.exit_code == 2:
        if records == 0:
            return []  # an input without records is refused: right
        message = next((line for line in run.stderr.splitlines() if line.startswith("advisor: error")), "")
        return [Finding("lost_rows", f"the whole run refused: {message[:150]}",
                        run.stderr[-2000:], sample, lost=records)]
    lines = run.stdout.splitlines()
    scored = errors = 0
    problems = []
    for number, line in enumerate(lines, start=1):
        try:
            row = json.loads(line)
        except ValueError:
            problems.append(f"output line {number} is not JSON")
            continue
        if "error" in row:
            errors += 1
            if row.get("record") != number:
                problems.append(f"error row {number} says record {row.get('record')}")
        else:
            scored += 1
    if scored + errors != records:
        problems.insert(0, f"{records} records in, {scored} scored + {errors} error rows out")
    if (errors > 0) != (run.exit_code == 1):
        problems.append(f"exit status {run.exit_code} with {errors} error rows")
    if problems:
        return [Finding("lost_rows", problems[0], "\n".join(problems) + "\n" + run.stderr[-1500:], sample,
                        lost=max(0, records - scored - errors))]
    return []


# --- rule-pack fragments through the loader -----------------------------------------------------------


def check_rule_fragment(text: str, *, compile_in_subprocess: bool = False, timeout: float = 60,
                        as_folder: bool = False) -> list[Finding]:
    """The pack loader on a small pack plus one generated file: a pack or a ``RuleLoadError``.

    ``compile_in_subprocess``: when the pack loads, also compile it and recommend one profile in a
    separate process (``advisor advise --rules``), where a crash or a hang of the rule engine
    cannot take the fuzzer down: a signal, exit 3 or the timeout are findings. ``as_folder``: the
    file goes into a folder named ``zz-fuzz.yaml`` instead.
    """
    from advisor.engine.loader import load_pack
    from advisor.errors import AdvisorError

    folder = Path(tempfile.mkdtemp(prefix="fuzz-pack-"))
    try:
        pack_dir = folder / "pack"
        shutil.copytree(MINIPACK, pack_dir)
        target = pack_dir / "zz-fuzz.yaml"
        if as_folder:
            target.mkdir()
            target = target / "rules.yaml"
        target.write_text(text, "utf-8", errors="surrogatepass")
        loaded = []
        for _ in range(2):
            try:
                pack = load_pack(pack_dir)
                loaded.append((pack.version, [rule.id for rule in pack.rules]))
            except AdvisorError as exc:
                loaded.append(("error", str(exc)))
            except Exception as exc:  # noqa: BLE001
                return [_traceback_finding(exc, text)]
        if loaded[0] != loaded[1]:
            return [Finding("nondeterministic", "the loader gave two answers for one pack", "", text)]
        if compile_in_subprocess and loaded[0][0] != "error":
            return _advise_with_pack(pack_dir, text, timeout)
        return []
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _advise_with_pack(pack_dir: Path, text: str, timeout: float) -> list[Finding]:
    """``advise`` one profile and ``batch`` the bundled profiles with the pack, each in its own process."""
    runs = {
        "advise": ["advise", str(ROOT / "profiles" / "05-hybrid-bank.yaml"), "-f", "json"],
        "batch": ["batch", str(ROOT / "profiles"), "-q", "-f", "csv"],
    }
    for command, args in runs.items():
        try:
            proc = subprocess.run([sys.executable, "-m", "advisor", *args, "--rules", str(pack_dir)],
                                  capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                                  env={**os.environ, "PYTHONHASHSEED": "0"})
        except subprocess.TimeoutExpired:
            return [Finding("hang", f"{command} --rules did not finish in {timeout:g} s", "", text)]
        if proc.returncode < 0 or proc.returncode > 128:
            signal_number = -proc.returncode if proc.returncode < 0 else proc.returncode - 128
            return [Finding("crash", f"{command} --rules was killed by signal {signal_number}",
                            proc.stderr[-2000:], text)]
        if proc.returncode not in (0, 1, 2):
            first = next((line for line in proc.stderr.splitlines() if "error" in line), proc.stderr[:200])
            return [Finding("exit3", f"{command} --rules: exit {proc.returncode}: {first.strip()[:150]}",
                            proc.stderr[-2000:], text)]
    return []
