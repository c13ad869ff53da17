"""Start-up cost of one `advisor advise` against the floor of importing its main libraries.

    python bench/startup.py [PROFILE] [--runs N]

Prints the median wall time of each over N runs and their ratio (the target is at most 2.5x).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def median_seconds(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
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
    floor = median_seconds([sys.executable, "-c", "import pydantic, click, yaml, tabulate"], args.runs)
    advise = median_seconds([sys.executable, "-m", "advisor", "advise", args.profile], args.runs)
    print(f"import pydantic, click, yaml, tabulate: {floor * 1000:7.1f} ms (median of {args.runs})")
    print(f"advisor advise {Path(args.profile).name}: {advise * 1000:7.1f} ms")
    print(f"ratio: {advise / floor:.2f}x (target <= 2.5x)")


if __name__ == "__main__":
    main()
