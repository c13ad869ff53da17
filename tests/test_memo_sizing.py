"""The memo's memory estimate: parameters × bytes for the weights, and the KV-cache formula."""

from __future__ import annotations

import pytest

from advisor.memo.sizing import estimate, kv_cache_bytes, nearest, reference_data, reference_models


def test_reference_data_names_its_source_and_assumptions():
    data = reference_data()
    assert data["source"]["en"] and data["source"]["zh"]
    assert data["assumptions"]["context_tokens"] > 0 and data["assumptions"]["concurrency"] > 0
    for model in reference_models():
        assert model.layers > 0 and model.kv_heads > 0 and model.head_dim > 0


@pytest.mark.parametrize(("size", "name"), [(1, "Qwen2.5-1.5B"), (7, "Qwen2.5-7B"), (10, "GLM-4-9B"),
                                            (14, "Qwen2.5-14B"), (20, "InternLM2-20B"), (70, "Qwen2.5-72B")])
def test_nearest_reference_model(size, name):
    assert nearest(size).name == name


def test_weights_are_parameters_times_bytes():
    est = estimate(7, 14)
    assert [w.params_b for w in est.weights] == [7, 14]
    assert est.weights[0].gb == {"FP16": 14, "INT8": 7, "INT4": 3.5}
    assert est.weights[1].gb == {"FP16": 28, "INT8": 14, "INT4": 7}


def test_kv_cache_formula():
    # Qwen2.5-7B: 28 layers, 4 KV heads of 128 dimensions, FP16, 8,192 tokens × 8 requests
    model = nearest(7)
    assert kv_cache_bytes(model, 65_536, 2) == 2 * 28 * 4 * 128 * 2 * 65_536 == 3_758_096_384
    est = estimate(7, 7)
    assert len(est.kv) == 1 and est.tokens == 65_536
    assert est.kv[0].bytes_total == 3_758_096_384 and round(est.kv[0].gb, 2) == 3.76
