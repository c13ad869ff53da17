"""Requests per second and latency of ``POST /api/v1/advise`` on a real ``advisor serve``.

Starts ``advisor serve`` on a free loopback port, measures how long it takes to answer, then runs
a local asyncio load generator (httpx) for a fixed time with a fixed number of connections, each
sending the bundled example profiles in turn. Only 127.0.0.1 is ever contacted.

Two floors are measured in the same run, so that the figures can be read on any machine:
* the same server sending a static file (what the HTTP stack alone costs per request), and
* ``advisor advise``'s own work in one process (parse, recommend, render JSON) with no HTTP.

    python bench/web.py                       # 10 s per measurement, 8 connections
    python bench/web.py --seconds 5 --connections 16
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> tuple[subprocess.Popen, float]:
    """``advisor serve`` on ``port``; the process and the seconds until it answered."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "advisor", "serve", "--port", str(port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/static/style.css", timeout=0.5)
            return process, time.perf_counter() - started
        except httpx.TransportError:
            if process.poll() is not None:
                raise SystemExit("advisor serve did not start") from None
            time.sleep(0.01)


async def load(url: str, bodies: list[bytes] | None, seconds: float, connections: int) -> list[float]:
    """Latencies (s) of every request completed in ``seconds`` by ``connections`` concurrent clients."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker(offset: int) -> None:
            n = offset
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                if bodies is None:
                    response = await client.get(url)
                else:
                    response = await client.post(url, content=bodies[n % len(bodies)],
                                                 headers={"content-type": "application/json"})
                    n += 1
                if response.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {response.status_code}: {response.text[:200]}")
                latencies.append(time.perf_counter() - t0)

        await asyncio.gather(*(worker(i) for i in range(connections)))
    return latencies


def report(name: str, latencies: list[float], seconds: float) -> float:
    rate = len(latencies) / seconds
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    print(f"{name:<34} {rate:8,.0f} req/s   p50 {cuts[49] * 1e3:6.2f} ms   p90 {cuts[89] * 1e3:6.2f} ms   "
          f"p99 {cuts[98] * 1e3:6.2f} ms   ({len(latencies):,} requests)")
    return rate


def in_process_rate(profiles: list[dict], seconds: float) -> float:
    """What ``advisor advise --format json`` does per profile, without HTTP: profiles per second."""
    from advisor.formats import render
    from advisor.pipeline import get_advisor
    from advisor.profile import parse_profile

    advisor = get_advisor()
    done, deadline = 0, time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        render(advisor.recommend(parse_profile(profiles[done % len(profiles)]), "zh"), "json")
        done += 1
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each measurement")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    args = parser.parse_args()

    profiles = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "profiles").glob("*.yaml"))]
    bodies = [json.dumps(p, ensure_ascii=False).encode("utf-8") for p in profiles]
    port = free_port()
    process, startup = start_server(port)
    try:
        print(f"advisor serve answered after {startup:.2f} s")
        base = f"http://127.0.0.1:{port}"
        asyncio.run(load(f"{base}/api/v1/advise", bodies, 1.0, args.connections))  # warm-up
        print(f"{args.connections} connections, {args.seconds:g} s each, {len(bodies)} profiles in turn")
        static = report("GET /static/style.css (HTTP floor)",
                        asyncio.run(load(f"{base}/static/style.css", None, args.seconds, args.connections)),
                        args.seconds)
        advise = report("POST /api/v1/advise",
                        asyncio.run(load(f"{base}/api/v1/advise", bodies, args.seconds, args.connections)),
                        args.seconds)
    finally:
        process.terminate()
        process.wait(timeout=10)
    engine = in_process_rate(profiles, args.seconds)
    print(f"{'advise in one process, no HTTP':<34} {engine:8,.0f} profiles/s")
    print(f"advise over HTTP: {advise / static:.2f}x the static-file rate, {advise / engine:.2f}x the in-process rate")


if __name__ == "__main__":
    main()
