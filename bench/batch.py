"""Benchmark ``advisor batch``: rows per second and peak memory, beside the I/O floor.

Generates N synthetic client-list rows (a CSV with Chinese headers and values, as exported from
a CRM or Excel) in two distributions:

* uniform: every field random, so nearly every row is a distinct profile (worst case for the
  decision cache: the rules run for almost every row);
* skewed: Zipf over sectors and sizes, optional fields mostly left empty (defaults dominate),
  budgets and headcounts from a few round figures: what a real client list looks like.

For each file it measures, in fresh processes: the I/O floor (stdlib ``csv.DictReader`` read
plus each row written as a JSON line with ``orjson.dumps``, no rules), then ``advisor batch`` with
the given output formats and worker counts, each with its time as a multiple of the floor's in the
same run. The first CSV output of each file is then checked against scoring without the caches:
a sample of its records (400, spread over the file) is scored again with ``--no-cache`` (durable-rules
on the whole pack and ``Advisor.recommend`` for every row) and their rows must be identical. Peak memory is the largest sum of the proportional set size (PSS) of the
process and its workers, sampled every 20 ms in the first second and every 100 ms after.

Excel workbooks (``--xlsx``): the same skewed rows are also written as a workbook (headcounts
and budgets in figures as numbers, TRUE/FALSE as booleans, amounts such as 800万 as text), and
each direction is measured beside its own floor, openpyxl alone (no rules): every cell read by
its sheet parser for ``advisor batch data.xlsx -o out.csv``, and the results rows written
(write-only) for ``advisor batch data.csv -o out.xlsx``; the CSV run is shown again beside
them.

    python bench/batch.py                      # skewed 1,000,000 and 200,000; uniform 200,000 and 50,000
    python bench/batch.py --skewed 100000 --uniform '' --formats csv --repeat 3
    python bench/batch.py --skewed '' --uniform '' --xlsx 100000
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from advisor.vocabulary import vocabulary  # noqa: E402  (after the path set-up)

FIELDS = ["name", "size", "employees", "startup", "sector", "use_cases", "privacy", "budget", "public_facing",
          "modalities", "personal_info", "cross_border", "customization", "ml_team", "has_gpu_infrastructure",
          "on_device", "critical_infrastructure"]
BOOLS = ["startup", "public_facing", "cross_border", "has_gpu_infrastructure", "on_device",
         "critical_infrastructure"]

# The floor: the stdlib csv module reads each row as a dict and orjson writes it as a JSON line.
FLOOR = r"""
import csv, sys, orjson
with open(sys.argv[1], encoding="utf-8-sig", newline="") as src, open(sys.argv[2], "wb") as dst:
    for row in csv.DictReader(src):
        dst.write(orjson.dumps(row) + b"\n")
"""

# The sampled differential check: the rows of a run's CSV output for a sample of records, against
# the same records scored with --no-cache (every row from scratch: durable-rules on the whole
# pack and Advisor.recommend) — the same columns but the record number.
SAMPLE = 400

# openpyxl's sheet parser alone (as the reader drives it: WorkbookReader.rows), every cell of the
# first sheet, one JSON line written per row: no header search, no records, no rules.
XLSX_READ_FLOOR = r"""
import json, sys
sys.path.insert(0, sys.argv[3])
from advisor.sources.xlsx import WorkbookReader
with open(sys.argv[1], "rb") as src, open(sys.argv[2], "w", encoding="utf-8") as dst:
    book = WorkbookReader(src)
    rows = book.rows(book.sheets[0][2])
    _, header = next(rows)
    for _, row in rows:
        dst.write(json.dumps(dict(zip(header, row)), ensure_ascii=False, default=str) + "\n")
    book.close()
"""

# openpyxl alone: a results sheet of as many rows (the 12 columns of the CSV output) written.
XLSX_WRITE_FLOOR = r"""
import csv, sys, openpyxl
book = openpyxl.Workbook(write_only=True)
ws = book.create_sheet("results")
with open(sys.argv[1], encoding="utf-8-sig", newline="") as src:
    rows = csv.reader(src)
    ws.append(next(rows)[:12])
    for n, row in enumerate(rows, start=1):
        ws.append([n, row[0], row[4], row[4], 5.0, row[5], row[6], 10, 20, row[7], row[8], None])
book.save(sys.argv[2])
"""


# --- data ----------------------------------------------------------------------------------------


def _labels(enum: str) -> list[str]:
    return [labels["zh"] for labels in vocabulary().enums[enum].values()]


def _zipf(rng: random.Random, items: list, s: float = 1.3):
    weights = [1 / (k + 1) ** s for k in range(len(items))]
    return rng.choices(items, weights)[0]


def uniform_row(rng: random.Random, n: int) -> dict[str, str]:
    """Every field random."""
    row = {"name": f"客户{n:07d}", "sector": rng.choice(_labels("sector")), "privacy": rng.choice(_labels("level"))}
    if rng.random() < 0.5:
        row["size"] = rng.choice(_labels("size"))
    else:
        row["employees"] = str(rng.randint(1, 50_000))
    row["budget"] = rng.choice(_labels("level")) if rng.random() < 0.5 else f"{rng.randint(1, 5000)}万"
    row["use_cases"] = ";".join(rng.sample(_labels("use_case"), rng.randint(0, 4)))
    row["modalities"] = "|".join(rng.sample(_labels("modality"), rng.randint(1, 3)))
    for field in BOOLS:
        row[field] = rng.choice(["是", "否"])
    for field, enum in (("personal_info", "personal_info"), ("customization", "customization"), ("ml_team", "ml_team")):
        row[field] = rng.choice(_labels(enum))
    return row


def skewed_row(rng: random.Random, n: int, order: dict[str, list[str]]) -> dict[str, str]:
    """Zipf over sectors, sizes and levels; optional fields mostly left empty (their defaults apply)."""
    row = {"name": f"客户{n:07d}", "sector": _zipf(rng, order["sector"]), "size": _zipf(rng, order["size"]),
           "privacy": _zipf(rng, order["level"]), "budget": _zipf(rng, order["level"])}
    # Now and then a headcount or an amount instead of a band, in round figures.
    if rng.random() < 0.05:
        del row["size"]
        row["employees"] = str(_zipf(rng, [200, 50, 1000, 500, 100, 3000, 10000]))
    if rng.random() < 0.05:
        row["budget"] = _zipf(rng, ["50万", "100万", "20万", "300万", "800万"])
    if rng.random() < 0.15:
        row["use_cases"] = _zipf(rng, ["智能客服", "知识搜索;智能客服", "智能办公", "内容生成;智能营销", "数据分析"])
    if rng.random() < 0.10:
        row["public_facing"] = "是"
    if rng.random() < 0.08:
        row["personal_info"] = _zipf(rng, ["个人信息", "敏感个人信息"])
    if rng.random() < 0.03:
        row["customization"] = _zipf(rng, ["检索增强", "微调"])
    if rng.random() < 0.03:
        row["has_gpu_infrastructure"] = "是"
    return row


def write_csv(path: Path, dist: str, rows: int, seed: int = 7) -> int:
    """A client list of ``rows`` rows, with the Chinese column names of contract §1; returns the
    number of distinct profiles in it (rows that differ in more than the name)."""
    rng = random.Random(seed)
    order = {enum: rng.sample(_labels(enum), len(_labels(enum))) for enum in ("sector", "size", "level")}
    fields = vocabulary().fields
    with open(path, "w", encoding="utf-8-sig", newline="") as out:  # Excel's UTF-8 with BOM
        writer = csv.writer(out)
        writer.writerow([fields[f].zh for f in FIELDS])
        distinct = set()
        for n in range(1, rows + 1):
            row = uniform_row(rng, n) if dist == "uniform" else skewed_row(rng, n, order)
            cells = [row.get(f, "") for f in FIELDS]
            writer.writerow(cells)
            distinct.add(tuple(cells[1:]))  # all but the name
    return len(distinct)


def write_xlsx(csv_path: Path, path: Path) -> None:
    """The rows of the CSV file as a workbook, typed as a person types them in Excel: headcounts
    and budgets in figures as numbers, 是/否 as TRUE/FALSE, amounts such as 800万 as text."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("客户")
    fields = vocabulary().fields
    bools = {fields[f].zh for f in BOOLS}
    numeric = {fields["employees"].zh, fields["budget"].zh}
    with open(csv_path, encoding="utf-8-sig", newline="") as src:
        rows = csv.reader(src)
        header = next(rows)
        ws.append(header)
        for row in rows:
            cells: list = []
            for column, cell in zip(header, row):
                if not cell:
                    cells.append(None)
                elif column in numeric and cell.isdigit():
                    cells.append(int(cell))
                elif column in bools and cell in ("是", "否"):
                    cells.append(cell == "是")
                else:
                    cells.append(cell)
            ws.append(cells)
    book.save(path)


# --- measuring -----------------------------------------------------------------------------------


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return pids


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (all processes) and peak PSS in MB of running ``command``."""
    # Let the kernel finish writing the previous run's output first: gigabytes of JSON Lines
    # still being written back would otherwise be charged to the next run.
    os.sync()
    before = os.times()
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sum(_pss_kb(p) for p in _tree(process.pid)))
            # Reading a process's smaps_rollup costs about 1 ms of CPU per 100 MB it maps: every
            # 20 ms, the sampler took an eighth of a core from a run of two processes of 130 MB on
            # two cores. Every 20 ms for the first second (start-up and the first blocks), then
            # every 100 ms: the peak comes as the caches fill, over seconds.
            time.sleep(0.02 if time.perf_counter() - start < 1 else 0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    after = os.times()
    if code not in (0, 1):
        raise SystemExit(f"command failed ({code}): {' '.join(command)}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return seconds, cpu, peak / 1024


def calibrate() -> float:
    """Seconds for a fixed pure-Python loop: how fast this machine is right now (it varies)."""
    start = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skewed", default="1000000,200000", help="row counts of the skewed runs ('' for none)")
    parser.add_argument("--uniform", default="200000,50000", help="row counts of the uniform runs ('' for none)")
    parser.add_argument("--formats", default="csv,jsonl,jsonl-ids",
                        help="output formats to measure (default csv,jsonl,jsonl-ids; jsonl-ids: --detail ids)")
    parser.add_argument("--workers", default="1,2", help="worker counts to measure (default 1,2)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each command; the median is shown")
    parser.add_argument("--xlsx", default="100000", help="row counts of the skewed Excel runs ('' for none)")
    parser.add_argument("--dir", default=None, help="folder for the data and outputs (default: a temporary one)")
    args = parser.parse_args()

    plan = [(dist, int(n)) for dist in ("skewed", "uniform") for n in getattr(args, dist).split(",") if n]
    formats = args.formats.split(",")
    worker_counts = [int(w) for w in args.workers.split(",")]
    folder = Path(args.dir or tempfile.mkdtemp(prefix="advisor-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    # Byte-compile the package, as ``pip install`` does, so that every run loads bytecode (with
    # PYTHONDONTWRITEBYTECODE set, each run would otherwise compile the sources again: ~0.15 s).
    subprocess.run([python, "-m", "compileall", "-q", str(REPO / "advisor")], check=True)

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.system()}; calibration loop {calibrate():.2f} s")
    print(f"data and outputs in {folder}\n")
    print("| distribution | rows | distinct profiles | run | seconds | rows/s | × floor time | CPU s | × floor CPU "
          "| peak MB | output MB |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    checks: list[str] = []
    for dist, rows in plan:
        data = folder / f"{dist}-{rows}.csv"
        distinct = write_csv(data, dist, rows)

        def run(label: str, command: list[str], out: Path, keep: bool = False) -> float:
            results = sorted((measure(command) for _ in range(args.repeat)), key=lambda r: r[0])
            seconds, cpu, peak = results[len(results) // 2]
            size = out.stat().st_size / 1e6
            if not keep:
                out.unlink()
            print(f"| {dist} | {rows:,} | {distinct:,} | {label} | {seconds:.2f} | {rows / seconds:,.0f} "
                  f"| {seconds / floor if floor else 1:.1f} | {cpu:.1f} | {cpu / floor_cpu[0] if floor else 1:.1f} "
                  f"| {peak:.0f} | {size:,.0f} |", flush=True)
            floor_cpu[0] = floor_cpu[0] or cpu
            return seconds

        floor = 0.0
        floor_cpu = [0.0]  # the floor's CPU seconds, once measured
        out = folder / "floor.jsonl"
        floor = run("I/O floor: stdlib csv.DictReader + orjson.dumps lines", [python, "-c", FLOOR, str(data), str(out)], out)
        checked = None
        for fmt in formats:
            # jsonl-ids: compact JSON Lines (--detail ids)
            suffix, extra = ("jsonl", ["--detail", "ids"]) if fmt == "jsonl-ids" else (fmt, [])
            for workers in worker_counts:
                out = folder / f"out.{suffix}"
                keep = fmt == "csv" and checked is None
                run(f"`advisor batch {data.name} -o out.{suffix} {' '.join(extra + [''])}-q --workers {workers}`",
                    [python, "-m", "advisor", "batch", str(data), "-o", str(out), *extra, "-q", "--workers", str(workers)],
                    out, keep)
                if keep:
                    checked = differential_check(data, out, rows, folder)
                    out.unlink()
        if checked is not None:
            checks.append(f"{dist} {rows:,}: {checked}")
        data.unlink()
    if checks:
        print("\nsampled differential check (rows of the run's CSV against --no-cache scoring):")
        for line in checks:
            print(f"- {line}")
    for rows in [int(n) for n in args.xlsx.split(",") if n]:
        xlsx_runs(folder, rows, args.repeat)
    print(f"\ncalibration loop at the end: {calibrate():.2f} s")


def differential_check(data: Path, out: Path, rows: int, folder: Path) -> str:
    """Score a sample of the records of ``data`` again with ``--no-cache`` and compare their rows
    with those of ``out`` (the run's CSV output): every column but the record number. Stops the
    benchmark when one differs."""
    step = max(rows // SAMPLE, 1)
    wanted = set(range(1, rows + 1, step))
    sample = folder / "sample.csv"
    with open(data, encoding="utf-8-sig", newline="") as src, open(sample, "w", encoding="utf-8-sig",
                                                                     newline="") as dst:
        reader, writer = csv.reader(src), csv.writer(dst)
        writer.writerow(next(reader))
        for number, row in enumerate(reader, start=1):
            if number in wanted:
                writer.writerow(row)
    reference = folder / "sample-no-cache.csv"
    subprocess.run([sys.executable, "-m", "advisor", "batch", str(sample), "-o", str(reference), "-q", "--no-cache"],
                   cwd=REPO, check=False)
    with open(out, encoding="utf-8-sig", newline="") as got_file, open(reference, encoding="utf-8-sig",
                                                                       newline="") as ref_file:
        got = [row[1:] for number, row in enumerate(csv.reader(got_file)) if number in wanted]
        expected = [row[1:] for row in list(csv.reader(ref_file))[1:]]
    sample.unlink()
    reference.unlink()
    if got != expected:
        bad = next(n for n, (a, b) in enumerate(zip(got, expected)) if a != b) if len(got) == len(expected) else -1
        raise SystemExit(f"differential check failed: {len(got)} rows against {len(expected)}; first difference "
                         f"at sample row {bad}")
    return f"{len(got)} sampled rows identical to --no-cache scoring"


def xlsx_runs(folder: Path, rows: int, repeat: int) -> None:
    """Excel in and out, each beside openpyxl's own floor, and the CSV run beside them."""
    python = sys.executable
    data = folder / f"skewed-{rows}.csv"
    distinct = write_csv(data, "skewed", rows)
    book = folder / f"skewed-{rows}.xlsx"
    write_xlsx(data, book)

    def run(label: str, command: list[str], out: Path, floor: float) -> float:
        results = sorted((measure(command) for _ in range(repeat)), key=lambda r: r[0])
        seconds, cpu, peak = results[len(results) // 2]
        size = out.stat().st_size / 1e6
        out.unlink()
        print(f"| skewed | {rows:,} | {distinct:,} | {label} | {seconds:.2f} | {rows / seconds:,.0f} "
              f"| {seconds / floor if floor else 1:.1f} | {cpu:.1f} | – | {peak:.0f} | {size:,.0f} |", flush=True)
        return seconds

    def batch(source: Path, out: Path) -> list[str]:
        return [python, "-m", "advisor", "batch", str(source), "-o", str(out), "-q"]

    out_jsonl, out_csv, out_xlsx = folder / "floor.jsonl", folder / "out.csv", folder / "out.xlsx"
    floor = run("I/O floor: stdlib csv.DictReader + orjson.dumps lines", [python, "-c", FLOOR, str(data), str(out_jsonl)],
                out_jsonl, 0.0)
    run(f"`advisor batch {data.name} -o out.csv -q`", batch(data, out_csv), out_csv, floor)
    floor = run("xlsx read floor: openpyxl's sheet parser, every cell, JSON lines write",
                [python, "-c", XLSX_READ_FLOOR, str(book), str(out_jsonl), str(REPO)], out_jsonl, 0.0)
    run(f"`advisor batch {book.name} -o out.csv -q`", batch(book, out_csv), out_csv, floor)
    floor = run("xlsx write floor: openpyxl write-only, 12 columns a row",
                [python, "-c", XLSX_WRITE_FLOOR, str(data), str(out_xlsx)], out_xlsx, 0.0)
    run(f"`advisor batch {data.name} -o out.xlsx -q`", batch(data, out_xlsx), out_xlsx, floor)
    data.unlink()
    book.unlink()


if __name__ == "__main__":
    main()
