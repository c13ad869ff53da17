"""Start-up cost of one `advisor advise` against the floor of importing its main libraries.

    python bench/startup.py [PROFILE] [--runs N]

Prints the median wall time of each over N runs and their ratio (the target is at most 1.5x):
`advise` with the caches filled by a first run (every run after the first, as a user sees it:
the compiled pack and the layout of its texts, in a temporary cache folder), and cold
(ADVISOR_NO_PACK_CACHE=1: the rule files read, validated and compiled, every text measured).
The runs take turns (floor, warm, cold, floor...), so that a change in the machine's load
touches all three alike. The median CPU time (user + system) of each and the load average are
printed too: on a shared machine the wall times wander with the load, the CPU times much less.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """The wall time and the CPU time (user + system) of one run of ``cmd``, in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", nargs="?", default=None)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    args.profile = args.profile or str(sorted((ROOT / "profiles").glob("*.yaml"))[0])
    # Byte-compile the package, as ``pip install`` does (the libraries of the floor are installed
    # compiled): with PYTHONDONTWRITEBYTECODE set, each run would otherwise compile the sources.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "advisor")], check=True)
    cache = tempfile.mkdtemp(prefix="advisor-cache-")
    warm_env = {**os.environ, "XDG_CACHE_HOME": cache}
    warm_env.pop("ADVISOR_NO_PACK_CACHE", None)
    cold_env = {**warm_env, "ADVISOR_NO_PACK_CACHE": "1"}
    advise = [sys.executable, "-m", "advisor", "advise", args.profile]
    subprocess.run(advise, check=True, stdout=subprocess.DEVNULL, env=warm_env)  # fills the caches
    cases = {"floor": ([sys.executable, "-c", "import pydantic, click, yaml, tabulate"], None),
             "warm": (advise, warm_env), "cold": (advise, cold_env)}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, (cmd, env) in cases.items():
            times[name].append(timed(cmd, env))
    wall = {name: statistics.median(w for w, _ in found) for name, found in times.items()}
    cpu = {name: statistics.median(c for _, c in found) for name, found in times.items()}
    floor, warm, cold = wall["floor"], wall["warm"], wall["cold"]
    print(f"import pydantic, click, yaml, tabulate: {floor * 1000:7.1f} ms (median of {args.runs})")
    print(f"advisor advise {Path(args.profile).name}: {warm * 1000:7.1f} ms, ratio {warm / floor:.2f}x (target <= 1.5x)")
    print(f"  cold, ADVISOR_NO_PACK_CACHE=1:  {cold * 1000:7.1f} ms, ratio {cold / floor:.2f}x")
    print(f"CPU time (user + system), medians: floor {cpu['floor'] * 1000:.1f} ms, advise "
          f"{cpu['warm'] * 1000:.1f} ms ({cpu['warm'] / cpu['floor']:.2f}x), cold {cpu['cold'] * 1000:.1f} ms "
          f"({cpu['cold'] / cpu['floor']:.2f}x)")
    print("load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
