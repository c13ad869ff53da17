"""Scale-out of ``advisor.dask`` on a local cluster: 1 worker against 2, same output as ``advisor batch``.

Writes a uniform client list (every row a distinct profile, ``bench/batch.py``'s generator), then
for each worker count starts a ``LocalCluster`` (one thread per worker process), and times
``advisor.dask.read_csv`` + ``advisor.dask.score`` + ``to_csv`` (the cluster's start is not
counted; each worker's scorer, compiled from the rule pack in its first partition, is). Beside
the seconds, the CPU seconds the workers spent (their processes' CPU time before and after) and
the load average (the machine may be shared: other programs' load stretches the seconds, not
the CPU seconds). The outputs of every run are compared line by line with each other and with
``advisor batch FILE -o out.csv --headers ids`` (also timed, beside them).

    python bench/cluster.py                       # 1,000,000 rows, 1 and 2 workers
    python bench/cluster.py --rows 200000 --workers 1,2 --no-batch
"""

from __future__ import annotations

import argparse
import glob
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

AS_OF = "2026-06-01"


def lines_of(paths: list[str]) -> "iter[str]":
    """The data lines of CSV files in order (each file's header skipped), without line ends."""
    for path in paths:
        with open(path, encoding="utf-8-sig", newline="") as f:
            next(f)
            for line in f:
                yield line.rstrip("\r\n")


def same(a: list[str], b: list[str]) -> tuple[bool, int]:
    count = 0
    for count, (x, y) in enumerate(zip(lines_of(a), lines_of(b), strict=True), start=1):
        if x != y:
            return False, count
    return True, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--no-batch", action="store_true", help="do not run advisor batch beside")
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()

    from batch import calibrate, write_csv  # bench/batch.py
    from dask.distributed import Client, LocalCluster

    import advisor.dask

    folder = Path(args.dir or tempfile.mkdtemp(prefix="advisor-dask-"))
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "advisor")], check=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"calibration loop {calibrate():.2f} s; load average {_load()}")
    data = folder / f"uniform-{args.rows}.csv"
    distinct = write_csv(data, "uniform", args.rows)
    print(f"{data.name}: {args.rows:,} rows, {distinct:,} distinct profiles, "
          f"{data.stat().st_size / 1e6:.0f} MB\n")
    print("| run | partitions | seconds | rows/s | × 1 worker | CPU s | load average after |")
    print("|---|---:|---:|---:|---:|---:|---|")
    outputs: dict[str, list[str]] = {}
    first = None
    for workers in [int(w) for w in args.workers.split(",")]:
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0") as cluster, Client(cluster) as client:
            client.run(lambda: None)  # the workers are up
            cpu = sum(client.run(time.process_time).values())
            start = time.perf_counter()
            ddf = advisor.dask.read_csv(str(data), client=client)
            scored = advisor.dask.score(ddf, client=client, as_of=AS_OF, source=data.name)
            out = folder / f"dask-{workers}"
            scored.to_csv(str(out / "part-*.csv"), index=False, lineterminator="\r\n")
            seconds = time.perf_counter() - start
            cpu = sum(client.run(time.process_time).values()) - cpu
        first = first or seconds
        outputs[f"{workers} workers"] = sorted(glob.glob(str(out / "part-*.csv")),
                                               key=lambda p: int(Path(p).stem.split("-")[1]))
        print(f"| `advisor.dask` on a LocalCluster, {workers} worker(s) × 1 thread | {scored.npartitions} | "
              f"{seconds:.1f} | {args.rows / seconds:,.0f} | {first / seconds:.2f} | {cpu:.1f} | {_load()} |", flush=True)
    if not args.no_batch:
        out = folder / "batch.csv"
        start, before = time.perf_counter(), os.times()
        subprocess.run([sys.executable, "-m", "advisor", "batch", str(data), "-o", str(out), "--headers", "ids",
                        "-q", "--as-of", AS_OF], check=True)
        seconds, after = time.perf_counter() - start, os.times()
        cpu = (after.children_user + after.children_system) - (before.children_user + before.children_system)
        print(f"| `advisor batch {data.name} -o batch.csv --headers ids -q` (1 process) | | {seconds:.1f} | "
              f"{args.rows / seconds:,.0f} | {first / seconds:.2f} | {cpu:.1f} | {_load()} |")
        outputs["advisor batch"] = [str(out)]
    names = list(outputs)
    for name in names[1:]:
        ok, count = same(outputs[names[0]], outputs[name])
        print(f"\n{names[0]} and {name}: {'identical' if ok else 'DIFFERENT at line'} ({count:,} rows)")
    print(f"\ncalibration loop at the end: {calibrate():.2f} s; load average {_load()}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
