"""A long fuzzing campaign: the suite's properties (``checks``) on inputs from ``strategies`` for as
long as it is given, without stopping at the first fault.

    python tests/fuzz/campaign.py --minutes 10 --out fuzz-findings
    python tests/fuzz/campaign.py --examples 2000 --targets csv,jsonl --seed 7

Targets: ``profiles`` (``advisor.score``), ``csv`` and ``jsonl`` (``advisor batch`` in this
process), ``rules`` (the pack loader; every ``--engine-every``-th pack that loads is also compiled
and run by ``advisor advise --rules`` in a separate process, so that a crash or a hang of the rule
engine is seen, not suffered). It prints what it tried and found: inputs, records, tracebacks,
exit-3s, lost rows, non-deterministic outputs, crashes and hangs, and one line per distinct fault
with the file that reproduces it (in ``--out``).
"""

from __future__ import annotations

import argparse
import collections
import json
import pickle
import random
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: ``fuzz`` as a package
sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

from fuzz import checks, strategies  # noqa: E402

TARGETS = ("profiles", "csv", "jsonl", "rules")
ROUND = 25  # examples per round of one target; the rounds take turns


class Campaign:
    def __init__(self, out: Path | None, engine_every: int, determinism: bool) -> None:
        self.out, self.engine_every, self.determinism = out, engine_every, determinism
        self.tried: collections.Counter = collections.Counter()
        self.records: collections.Counter = collections.Counter()
        self.kinds: collections.Counter = collections.Counter()
        self.lost = 0
        self.faults: dict[str, dict] = {}  # signature -> {count, target, file}
        self.loaded_packs = 0
        self.engine_runs = 0

    def record(self, target: str, findings: list[checks.Finding]) -> None:
        for finding in findings:
            self.kinds[finding.kind] += 1
            self.lost += finding.lost
            entry = self.faults.get(finding.signature)
            if entry is None:
                entry = self.faults[finding.signature] = {"count": 0, "target": target,
                                                          "file": self._keep(target, finding)}
            entry["count"] += 1

    def _keep(self, target: str, finding: checks.Finding) -> str:
        if self.out is None:
            return ""
        self.out.mkdir(parents=True, exist_ok=True)
        stem = self.out / f"{len(self.faults) + 1:03d}-{target}-{finding.kind}"
        data = finding.input
        if isinstance(data, dict) and "data" in data:  # a batch input file
            path = stem.with_suffix(data["suffix"])
            path.write_bytes(data["data"])
        elif isinstance(data, str):  # a rule file
            path = stem.with_suffix(".yaml")
            path.write_text(data, "utf-8", errors="surrogatepass")
        else:  # a profile: pickled (it may hold what JSON cannot: NaN, huge integers, deep lists)
            path = stem.with_suffix(".pickle")
            limit = sys.getrecursionlimit()
            sys.setrecursionlimit(20_000)  # pickle walks a nested list one frame per level
            try:
                path.write_bytes(pickle.dumps(data))
            finally:
                sys.setrecursionlimit(limit)
        stem.with_suffix(".txt").write_text(f"{finding.signature}\n\n{finding.detail}\n", "utf-8", errors="replace")
        return str(path)

    # --- one round per target: hypothesis generates, nothing stops at a fault ----------------------------

    def guarded(self, target: str, work) -> None:
        """Run one check; a failure of the harness itself is kept as a finding, never a stop."""
        try:
            self.record(target, work())
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001
            finding = checks.Finding("harness", f"the fuzzer itself failed: {type(exc).__name__}: {str(exc)[:100]}",
                                     "".join(traceback.format_exception(exc))[-3000:])
            self.record(target, [finding])

    def round(self, target: str, examples: int, deadline: float, rng: random.Random) -> None:
        quiet = settings(max_examples=examples, phases=[Phase.generate], deadline=None, database=None,
                         suppress_health_check=list(HealthCheck))

        def budget_left() -> bool:
            return time.monotonic() < deadline

        if target == "profiles":
            @quiet
            @given(strategies.profiles())
            def run(profile):
                if budget_left():
                    self.tried[target] += 1
                    lang = rng.choice(["zh", "en"])
                    self.guarded(target, lambda: checks.check_profile(profile, lang=lang))
        elif target in ("csv", "jsonl"):
            @quiet
            @given(strategies.csv_files() if target == "csv" else strategies.jsonl_files())
            def run(sample):
                if budget_left():
                    self.tried[target] += 1
                    self.records[target] += sample.records
                    self.guarded(target, lambda: checks.check_batch_file(sample.suffix, sample.data, sample.records,
                                                                         determinism=self.determinism))
        else:
            @quiet
            @given(strategies.rule_fragments())
            def run(fragment):
                if budget_left():
                    self.tried[target] += 1
                    engine = self.engine_every > 0 and rng.randrange(self.engine_every) == 0
                    folder = rng.randrange(20) == 0  # a folder named *.yaml in the pack
                    self.engine_runs += engine
                    self.guarded(target, lambda: checks.check_rule_fragment(fragment, compile_in_subprocess=engine,
                                                                            as_folder=folder))

        seed(rng.randrange(2 ** 32))(run)()

    def report(self, seconds: float) -> str:
        lines = [f"fuzzing campaign: {seconds / 60:.1f} min",
                 f"inputs tried: {sum(self.tried.values()):,} ("
                 + ", ".join(f"{t} {self.tried[t]:,}" for t in TARGETS if self.tried[t]) + ")",
                 f"batch records: {sum(self.records.values()):,} ("
                 + ", ".join(f"{t} {self.records[t]:,}" for t in ("csv", "jsonl") if self.records[t]) + ")",
                 f"rule packs compiled and run in a separate process: {self.engine_runs:,}",
                 f"tracebacks: {self.kinds['traceback']}", f"exit 3: {self.kinds['exit3']}",
                 f"lost rows: {self.lost:,} (in {self.kinds['lost_rows']} runs)",
                 f"non-deterministic: {self.kinds['nondeterministic']}",
                 f"engine crashes: {self.kinds['crash']}, hangs: {self.kinds['hang']}",
                 f"failures of the fuzzer itself: {self.kinds['harness']}",
                 f"distinct faults: {len(self.faults)}"]
        for signature, entry in sorted(self.faults.items(), key=lambda kv: -kv[1]["count"]):
            where = f"  [{entry['file']}]" if entry["file"] else ""
            lines.append(f"  {entry['count']:>5} × {entry['target']}: {signature}{where}")
        return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=None, help="time budget (default 10 unless --examples)")
    parser.add_argument("--examples", type=int, default=None, help="stop after this many inputs")
    parser.add_argument("--targets", default=",".join(TARGETS), help=f"comma-separated, of {', '.join(TARGETS)}")
    parser.add_argument("--seed", type=int, default=None, help="for a reproducible campaign")
    parser.add_argument("--out", type=Path, default=None, help="folder for one reproduction file per fault")
    parser.add_argument("--engine-every", type=int, default=10,
                        help="compile and run one in N loadable packs in a separate process (0: never)")
    parser.add_argument("--no-determinism", action="store_true", help="run each batch input once, not twice")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = set(targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown target(s): {', '.join(sorted(unknown))}")
    minutes = args.minutes if args.minutes is not None else (None if args.examples else 10.0)
    rng = random.Random(args.seed)
    campaign = Campaign(args.out, args.engine_every, not args.no_determinism)
    start = time.monotonic()
    deadline = start + minutes * 60 if minutes else float("inf")
    turn = 0
    while time.monotonic() < deadline:
        done = sum(campaign.tried.values())
        if args.examples is not None and done >= args.examples:
            break
        left = ROUND if args.examples is None else min(ROUND, args.examples - done)
        target = targets[turn % len(targets)]
        campaign.round(target, left, deadline, rng)
        turn += 1
        if turn % len(targets) == 0:
            print(f"... {time.monotonic() - start:6.0f} s: {done:,} inputs, {len(campaign.faults)} distinct faults",
                  file=sys.stderr, flush=True)
    seconds = time.monotonic() - start
    print(campaign.report(seconds))
    if args.json:
        args.json.write_text(json.dumps({
            "seconds": round(seconds), "tried": dict(campaign.tried), "records": dict(campaign.records),
            "kinds": dict(campaign.kinds), "lost_rows": campaign.lost, "engine_runs": campaign.engine_runs,
            "faults": campaign.faults}, ensure_ascii=False, indent=2), "utf-8")
    return 1 if campaign.faults else 0


if __name__ == "__main__":
    sys.exit(main())
