"""How a server is set up: its rule pack, token and limits (from ``advisor serve``'s options)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

MAX_BODY = 1 << 20  # a JSON request of the API: a profile is well under 2 KB
MAX_UPLOAD = 10 << 20  # a client list (CSV, JSON Lines, workbook) or a JSON list of profiles
MAX_ROWS = 10_000  # records of one upload: ~1-3 s of scoring on one core
KEEP_RESULTS = 8  # scored uploads kept in memory (each up to MAX_UPLOAD) for their page and downloads
UPLOAD_PATHS = ("/batch", "/api/v1/batch")
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to know about how it is run."""

    rules_dir: str | None = None
    prices: str | None = None  # a price file laid over the pack's price book (--prices FILE)
    as_of: dt.date | None = None  # the checklists' date when a request names none (--as-of; None: today)
    token: str | None = None  # None: no token needed
    max_body: int = MAX_BODY
    max_upload: int = MAX_UPLOAD
    max_rows: int = MAX_ROWS
    keep_results: int = KEEP_RESULTS
    # Host names the server answers to; None: any (it was bound to a public address on purpose)
    allowed_hosts: tuple[str, ...] | None = LOOPBACK_NAMES

    def body_limit(self, path: str) -> int:
        """The largest request body accepted on ``path``."""
        return self.max_upload if path in UPLOAD_PATHS else self.max_body


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` keeps the server reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_all_interfaces(host: str) -> bool:
    """Whether ``host`` binds every interface (``0.0.0.0``, ``::``)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


def allowed_hosts_for(host: str) -> tuple[str, ...] | None:
    """The ``Host`` names to accept when bound to ``host``: the loopback names on a loopback
    address (DNS-rebinding protection), any on another address."""
    if is_loopback(host):
        names = set(LOOPBACK_NAMES) | {host.strip("[]").lower()}
        return tuple(sorted(names))
    return None
