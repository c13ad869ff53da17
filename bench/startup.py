"""Start-up cost of one `advisor advise` against the floor of importing its main libraries.

    python bench/startup.py [PROFILE] [--runs N]

Prints the median wall time of each over N runs and their ratio (the target is at most 1.5x):
`advise` with the pack cache filled by a first run (every run after the first, as a user sees
it; the cache in a temporary folder), and cold (ADVISOR_NO_PACK_CACHE=1: the rule files read,
validated and compiled).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def median_seconds(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
    subprocess.run(advise, check=True, stdout=subprocess.DEVNULL, env=warm_env)  # fills the cache
    floor = median_seconds([sys.executable, "-c", "import pydantic, click, yaml, tabulate"], args.runs)
    warm = median_seconds(advise, args.runs, warm_env)
    cold = median_seconds(advise, args.runs, cold_env)
    print(f"import pydantic, click, yaml, tabulate: {floor * 1000:7.1f} ms (median of {args.runs})")
    print(f"advisor advise {Path(args.profile).name}: {warm * 1000:7.1f} ms, ratio {warm / floor:.2f}x (target <= 1.5x)")
    print(f"  cold, ADVISOR_NO_PACK_CACHE=1:  {cold * 1000:7.1f} ms, ratio {cold / floor:.2f}x")

if __name__ == "__main__":
    main()
