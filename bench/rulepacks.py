"""Benchmark rule packs of growing size: compile time, ``advise`` latency, batch rows/s.

Generates packs (``tests/packgen.py``) of each size in two shapes:

* varied: rules over every kind of field, nested ``all``/``any``/``not``, chains of derived facts
  (some negated), rules on the decided mode;
* employees: every rule compares the headcount with its own threshold (the shape that overflowed
  durable-rules at about 160 rules and hung it at 560).

For each pack, in fresh processes, beside floors measured in the same run (CPU seconds, which a
shared machine disturbs less than wall-clock time; batch also gives rows per wall-clock second):

* load: reading, validating and checking the YAML (``load_pack``), against reading the same
  files with PyYAML's C loader alone (the floor); fastest of three;
* compile: ``compile_pack`` plus registering its rulesets with the engine; fastest of three;
* evaluate: the rules engine on one resolved profile (mean over random profiles), in-process;
* advise: ``advisor advise`` end to end, against importing pydantic, click, yaml and tabulate;
* batch: ``advisor batch`` on a client list of distinct random rows (the rules run for nearly
  every row), against the stdlib csv read + JSON lines write of ``bench/batch.py``.

    python bench/rulepacks.py                          # sizes 100 to 2,000, both shapes
    python bench/rulepacks.py --sizes 100,1000 --shapes varied --rows 500 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from batch import FLOOR, calibrate, write_csv  # noqa: E402  (bench/batch.py, beside this file)

INSIDE = r"""
import json, statistics, sys, time
sys.path.insert(0, sys.argv[2])
import yaml
from pathlib import Path
from advisor.engine.compiler import compile_pack
from advisor.engine.loader import load_pack
from advisor.engine.runtime import Runtime
from advisor.pipeline import Advisor
import packgen

folder = Path(sys.argv[1])
clock = time.process_time  # CPU seconds: the machine may be shared


def best(step, runs=3):  # the fastest of three runs (the machine is shared): seconds, last result
    spent = []
    for _ in range(runs):
        start = clock()
        result = step()
        spent.append(clock() - start)
    return min(spent), result


read, _ = best(lambda: [yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
                        for p in sorted(folder.glob("*.yaml"))])
load, pack = best(lambda: load_pack(folder))
names = iter(range(10))
compile, compiled = best(lambda: Runtime(compile_pack(pack, f"bench{next(names)}")).compiled)
advisor = Advisor(pack)
decide = advisor.ranker.mode
profiles = packgen.profiles(advisor, 1, 200)
for facts in profiles[:20]:
    advisor.runtime.evaluate(facts, decide=decide)
times, fired = [], 0
for facts in profiles:
    start = clock()
    fired += len(advisor.runtime.evaluate(facts, decide=decide)[0])
    times.append(clock() - start)
print(json.dumps({"read": read, "load": load, "compile": compile, "rulesets": len(compiled.chunks),
                  "evaluate": statistics.mean(times), "fired": fired / len(profiles)}))
"""


def seconds(command: list[str], repeat: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds of running ``command`` (it must succeed)."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = os.times()
        start = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        walls.append(time.perf_counter() - start)
        after = os.times()
        cpus.append(after.children_user - before.children_user + after.children_system - before.children_system)
        if done.returncode not in (0, 1):
            raise SystemExit(f"command failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-2000:]}")
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,250,500,1000,2000", help="numbers of rules")
    parser.add_argument("--shapes", default="varied,employees", help="pack shapes: varied, employees")
    parser.add_argument("--rows", type=int, default=1000, help="rows of the batch client list")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command; the median is shown")
    parser.add_argument("--dir", default=None, help="folder for packs and data (default: a temporary one)")
    args = parser.parse_args()

    import packgen

    python = sys.executable
    folder = Path(args.dir or tempfile.mkdtemp(prefix="advisor-rulepacks-"))
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([python, "-m", "compileall", "-q", str(REPO / "advisor")], check=True)
    data = folder / "clients.csv"
    distinct = write_csv(data, "uniform", args.rows)
    profile = folder / "profile.yaml"
    profile.write_text("name: 样例\nemployees: 30000\nsector: 金融\nprivacy: 高\nbudget: 3000万\n"
                       "use_cases: [智能风控, 智能客服]\n", encoding="utf-8")
    import_floor = seconds([python, "-c", "import pydantic, click, yaml, tabulate"], args.repeat)
    out = folder / "out.jsonl"
    io_floor = seconds([python, "-c", FLOOR, str(data), str(out)], args.repeat)

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.system()}; calibration loop {calibrate():.2f} s")
    print(f"floors (wall / CPU): import pydantic, click, yaml, tabulate {import_floor[0]:.2f} / {import_floor[1]:.2f} s; "
          f"I/O floor on {args.rows:,} rows ({distinct:,} distinct) {io_floor[0]:.2f} / {io_floor[1]:.2f} s")
    print("CPU seconds; × is the ratio to the floor's CPU seconds; µs/rule divides by the pack's rules\n")
    print("| shape | rules | rulesets | load s (× YAML read) | compile ms (µs/rule) | evaluate ms (µs/rule) "
          "| advise s (× import) | batch s (× I/O floor) | batch rows/s (wall) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for shape in args.shapes.split(","):
        for size in (int(n) for n in args.sizes.split(",")):
            content = packgen.varied(size, seed=size) if shape == "varied" else packgen.single_field(size, shape)
            pack = packgen.write_pack(folder / f"{shape}-{size}", content)
            inside = subprocess.run([python, "-c", INSIDE, str(pack), str(REPO / "tests")], cwd=REPO,
                                    capture_output=True, text=True, check=True)
            m = json.loads(inside.stdout)
            _, advise = seconds([python, "-m", "advisor", "advise", str(profile), "--rules", str(pack), "-f", "json"],
                                args.repeat)
            wall, batch = seconds([python, "-m", "advisor", "batch", str(data), "--rules", str(pack), "-o", str(out),
                                   "-q"], 1)
            print(f"| {shape} | {size:,} | {m['rulesets']} | {m['load']:.2f} ({m['load'] / m['read']:.1f}) "
                  f"| {m['compile'] * 1000:.0f} ({m['compile'] / size * 1e6:.0f}) "
                  f"| {m['evaluate'] * 1000:.2f} ({m['evaluate'] / size * 1e6:.1f}) "
                  f"| {advise:.2f} ({advise / import_floor[1]:.1f}) | {batch:.1f} ({batch / io_floor[1]:.0f}) "
                  f"| {args.rows / wall:,.0f} |", flush=True)
    out.unlink(missing_ok=True)
    print(f"\ncalibration loop at the end: {calibrate():.2f} s")


if __name__ == "__main__":
    main()
