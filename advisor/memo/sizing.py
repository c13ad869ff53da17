"""Memory estimate for the advised model size: weights at each precision, and the KV cache.

weights  = parameters × bytes per parameter
KV cache = 2 (K and V) × layers × KV heads × head dim × bytes per element × tokens

The attention shape comes from a published reference model near each end of the range, and the
serving assumptions (context length, concurrency) are stated; both are data in
``reference_models.yaml``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class ReferenceModel:
    """A published model whose attention shape stands for models of its size."""

    name: str
    params_b: float
    layers: int
    kv_heads: int
    head_dim: int


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
    """The whole estimate for one size range."""

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


@functools.cache
def reference_data() -> dict[str, Any]:
    """The contents of ``reference_models.yaml``."""
    import yaml

    text = resources.files("advisor.memo").joinpath("reference_models.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def reference_models() -> list[ReferenceModel]:
    """Every reference model, smallest first."""
    return sorted((ReferenceModel(**m) for m in reference_data()["models"]), key=lambda m: m.params_b)


def nearest(params_b: float) -> ReferenceModel:
    """The reference model nearest to ``params_b`` by ratio; on a tie, the larger (a safer estimate)."""
    return min(reference_models(), key=lambda m: (round(abs(math.log(m.params_b / params_b)), 9), -m.params_b))


def kv_cache_bytes(model: ReferenceModel, tokens: int, bytes_per_element: float) -> int:
    """2 × layers × KV heads × head dim × bytes per element × tokens."""
    return int(2 * model.layers * model.kv_heads * model.head_dim * bytes_per_element * tokens)


def estimate(min_b: float, max_b: float) -> Estimate:
    """Weights and KV cache at both ends of the range (one row when both ends are the same)."""
    data = reference_data()
    assume = data["assumptions"]
    precisions = {name: float(b) for name, b in data["precisions"].items()}
    ends = [min_b] if min_b == max_b else [min_b, max_b]
    tokens = assume["context_tokens"] * assume["concurrency"]
    return Estimate(
        context_tokens=assume["context_tokens"],
        concurrency=assume["concurrency"],
        kv_dtype=assume["kv_dtype"],
        kv_bytes=assume["kv_bytes"],
        precisions=precisions,
        weights=[WeightsRow(p, {name: p * b for name, b in precisions.items()}) for p in ends],
        kv=[KvRow(p, nearest(p), kv_cache_bytes(nearest(p), tokens, assume["kv_bytes"])) for p in ends],
        source=data["source"],
    )
