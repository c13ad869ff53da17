"""What the advised model needs on its accelerators, and the servers that hold it.

    weights  = parameters × bytes per parameter
    KV cache = 2 (K and V) × layers × KV heads × head dim × bytes per element × tokens
    tokens   = context length × requests served at once

The attention shape of a model of a given size comes from the published reference model nearest
to it; the serving assumptions (context length, precision, the share of users served at once)
and the servers are data (``costs.sizing`` in costs.yaml, ``prices.servers`` in prices.yaml).
Memory is in GB (10⁹ bytes), power in kW, prices in CNY.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Iterable

from advisor.costs.schema import ReferenceModel, Server, Sizing


@dataclass(frozen=True)
class WeightsRow:
    """Weights of a model of ``params_b`` billion parameters, in GB, per precision."""

    params_b: float
    gb: dict[str, float]


@dataclass(frozen=True)
class KvRow:
    """KV cache of a model of ``params_b`` billion parameters, taken from ``model``."""

    params_b: float
    model: ReferenceModel
    bytes_total: int

    @property
    def gb(self) -> float:
        """The KV cache in GB (10⁹ bytes)."""
        return self.bytes_total / 1e9


@dataclass(frozen=True)
class Estimate:
    """Weights and KV cache at both ends of an advised size range (the memo's table)."""

    context_tokens: int
    concurrency: int
    kv_dtype: str
    kv_bytes: float
    precisions: dict[str, float]
    weights: list[WeightsRow]
    kv: list[KvRow]
    source: dict[str, str]

    @property
    def tokens(self) -> int:
        """Tokens held in the cache at once: context length × concurrent requests."""
        return self.context_tokens * self.concurrency

    def as_dict(self) -> dict[str, Any]:
        """Plain data, for templates."""
        return {
            "context_tokens": self.context_tokens,
            "concurrency": self.concurrency,
            "tokens": self.tokens,
            "kv_dtype": self.kv_dtype,
            "kv_bytes": self.kv_bytes,
            "weights": [{"params_b": w.params_b, "gb": dict(w.gb)} for w in self.weights],
            "kv": [
                {"params_b": k.params_b, "reference": k.model.name, "layers": k.model.layers,
                 "kv_heads": k.model.kv_heads, "head_dim": k.model.head_dim,
                 "bytes": k.bytes_total, "gb": k.gb}
                for k in self.kv
            ],
        }


def nearest(params_b: float, models: Iterable[ReferenceModel]) -> ReferenceModel:
    """The reference model nearest to ``params_b`` by ratio; on a tie, the larger (a safer estimate)."""
    return min(models, key=lambda m: (round(abs(math.log(m.params_b / params_b)), 9), -m.params_b))


def kv_cache_bytes(model: ReferenceModel, tokens: int, bytes_per_element: float) -> int:
    """2 × layers × KV heads × head dim × bytes per element × tokens."""
    return int(2 * model.layers * model.kv_heads * model.head_dim * bytes_per_element * tokens)


def concurrency(users: int, sizing: Sizing) -> int:
    """Requests served at once: the peak share of the users, rounded up, at least the minimum."""
    return max(sizing.min_concurrency, math.ceil(users * sizing.peak_concurrency_share - 1e-9))


def served_at_once(staff_users: int, public_daily_active: float, sizing: Sizing) -> int:
    """Requests served at once by staff and public: the peak share of the staff, plus the peak
    share of the public users active that day; rounded up, at least the minimum."""
    busy = staff_users * sizing.peak_concurrency_share + public_daily_active * sizing.public_peak_concurrency_share
    return max(sizing.min_concurrency, math.ceil(busy - 1e-9))


def estimate(min_b: float, max_b: float, sizing: Sizing, served_at_once: int) -> Estimate:
    """Weights and KV cache at both ends of the range (one row when both ends are the same)."""
    precisions = dict(sizing.precisions)
    ends = [min_b] if min_b == max_b else [min_b, max_b]
    tokens = sizing.context_tokens * served_at_once
    return Estimate(
        context_tokens=sizing.context_tokens,
        concurrency=served_at_once,
        kv_dtype=sizing.kv_dtype,
        kv_bytes=sizing.kv_bytes,
        precisions=precisions,
        weights=[WeightsRow(p, {name: p * b for name, b in precisions.items()}) for p in ends],
        kv=[KvRow(p, ref, kv_cache_bytes(ref, tokens, sizing.kv_bytes))
            for p in ends for ref in [nearest(p, sizing.models)]],
        source={"en": sizing.source.en, "zh": sizing.source.zh},
    )


# --- the servers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """``count`` servers of one kind that together hold the model."""

    server: Server
    count: int

    @property
    def cards(self) -> int:
        """Accelerators in all: the servers' cards."""
        return self.count * self.server.cards

    @property
    def cny(self) -> tuple[float, float]:
        """What the servers cost, low and high."""
        low, high = self.server.cny
        return low * self.count, high * self.count

    @property
    def power_kw(self) -> tuple[float, float]:
        """What the servers draw, low and high."""
        low, high = self.server.power_kw
        return low * self.count, high * self.count


@dataclass(frozen=True)
class Hardware:
    """The hardware for one model size: the memory it needs, and the servers that hold it."""

    params_b: float
    precision: str
    concurrency: int
    context_tokens: int
    reference: ReferenceModel
    weights_gb: float
    kv_gb: float
    options: tuple[Option, ...]  # one per origin (domestic, imported), the cheaper first

    @functools.cached_property
    def servers_key(self) -> tuple[tuple[str, int], ...]:
        """The servers chosen, as ``(id, count)`` pairs: what the prices and the power follow."""
        return tuple((o.server.id, o.count) for o in self.options)

    @property
    def memory_gb(self) -> float:
        """Weights plus KV cache."""
        return self.weights_gb + self.kv_gb

    @property
    def cny(self) -> tuple[float, float]:
        """The capital cost over every option: the cheapest low to the dearest high."""
        return min(o.cny[0] for o in self.options), max(o.cny[1] for o in self.options)

    @property
    def power_kw(self) -> tuple[float, float]:
        """The power drawn over every option."""
        return min(o.power_kw[0] for o in self.options), max(o.power_kw[1] for o in self.options)

    @property
    def cards(self) -> tuple[int, int]:
        """Accelerators over every option, fewest to most."""
        return min(o.cards for o in self.options), max(o.cards for o in self.options)


def plan(params_b: float, sizing: Sizing, servers: Iterable[Server], served_at_once: int) -> Hardware:
    """The hardware for a model of ``params_b`` billion parameters serving ``served_at_once``
    requests: for each origin, the smallest server whose usable memory holds weights + KV cache,
    or as many of its largest as needed."""
    reference = nearest(params_b, sizing.models)
    weights_gb = params_b * sizing.precisions[sizing.serving_precision]
    kv_gb = kv_cache_bytes(reference, sizing.context_tokens * served_at_once, sizing.kv_bytes) / 1e9
    need = weights_gb + kv_gb
    by_origin: dict[str, list[Server]] = {}
    for server in servers:  # smallest first
        by_origin.setdefault(server.origin, []).append(server)
    options = []
    for origin_servers in by_origin.values():
        usable = [(s, s.cards * s.card_memory_gb * sizing.usable_memory_share) for s in origin_servers]
        fits = [s for s, capacity in usable if capacity >= need]
        if fits:
            options.append(Option(fits[0], 1))
        else:
            largest, capacity = max(usable, key=lambda sc: (sc[1], -sc[0].cny[0]))
            options.append(Option(largest, math.ceil(need / capacity)))
    options.sort(key=lambda o: (o.cny, o.server.id))  # the cheaper choice first
    return Hardware(params_b=params_b, precision=sizing.serving_precision, concurrency=served_at_once,
                    context_tokens=sizing.context_tokens, reference=reference, weights_gb=weights_gb,
                    kv_gb=kv_gb, options=tuple(options))
