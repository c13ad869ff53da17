"""The memory estimate (parameters × bytes, and the KV-cache formula) and the servers it picks."""

from __future__ import annotations

import math

import pytest

from advisor.costs.sizing import concurrency, estimate, kv_cache_bytes, nearest, plan


@pytest.fixture(scope="module")
def book(advisor):
    return advisor.pack.book


@pytest.fixture(scope="module")
def sizing(book):
    return book.costs.sizing


def test_reference_data_names_its_source_and_assumptions(sizing):
    assert sizing.source.en and sizing.source.zh
    assert sizing.context_tokens > 0 and sizing.serving_precision in sizing.precisions
    for model in sizing.models:
        assert model.layers > 0 and model.kv_heads > 0 and model.head_dim > 0


@pytest.mark.parametrize(("size", "name"), [(1, "Qwen2.5-1.5B"), (7, "Qwen2.5-7B"), (10, "GLM-4-9B"),
                                            (14, "Qwen2.5-14B"), (20, "InternLM2-20B"), (70, "Qwen2.5-72B")])
def test_nearest_reference_model(sizing, size, name):
    assert nearest(size, sizing.models).name == name


def test_weights_are_parameters_times_bytes(sizing):
    est = estimate(7, 14, sizing, 8)
    assert [w.params_b for w in est.weights] == [7, 14]
    assert est.weights[0].gb == {"FP16": 14, "INT8": 7, "INT4": 3.5}
    assert est.weights[1].gb == {"FP16": 28, "INT8": 14, "INT4": 7}


def test_kv_cache_formula(sizing):
    # Qwen2.5-7B: 28 layers, 4 KV heads of 128 dimensions, FP16, 8,192 tokens × 8 requests
    model = nearest(7, sizing.models)
    assert kv_cache_bytes(model, 65_536, 2) == 2 * 28 * 4 * 128 * 2 * 65_536 == 3_758_096_384
    est = estimate(7, 7, sizing, 8)
    assert len(est.kv) == 1 and est.tokens == 65_536
    assert est.kv[0].bytes_total == 3_758_096_384 and round(est.kv[0].gb, 2) == 3.76


def test_concurrency_is_the_peak_share_of_users_rounded_up(sizing):
    share = sizing.peak_concurrency_share
    assert concurrency(1, sizing) == sizing.min_concurrency
    assert concurrency(2000, sizing) == math.ceil(2000 * share)
    assert concurrency(2001, sizing) == math.ceil(2001 * share)


def test_a_single_card_workstation_holds_a_14b_model_for_a_small_team(book, sizing):
    hw = plan(14, sizing, book.servers, concurrency(10, sizing))
    assert hw.memory_gb == pytest.approx(14 * sizing.precisions[sizing.serving_precision] + hw.kv_gb)
    assert all(o.server.cards == 1 and o.count == 1 for o in hw.options)
    assert hw.cards == (1, 1)


def test_every_origin_gets_servers_that_hold_the_memory(book, sizing):
    for params, users in ((7, 10), (20, 2000), (72, 2000), (72, 50_000)):
        hw = plan(params, sizing, book.servers, concurrency(users, sizing))
        assert {o.server.origin for o in hw.options} == {s.origin for s in book.servers}
        for option in hw.options:
            usable = option.cards * option.server.card_memory_gb * sizing.usable_memory_share
            assert usable >= hw.memory_gb
            if option.count == 1:  # the smallest of its origin that fits
                smaller = [s for s in book.servers if s.origin == option.server.origin
                           and s.cards * s.card_memory_gb < option.server.cards * option.server.card_memory_gb]
                assert all(s.cards * s.card_memory_gb * sizing.usable_memory_share < hw.memory_gb for s in smaller)
        assert hw.cny == (min(o.cny[0] for o in hw.options), max(o.cny[1] for o in hw.options))


def test_more_users_need_more_accelerators(book, sizing):
    few = plan(20, sizing, book.servers, concurrency(100, sizing))
    many = plan(20, sizing, book.servers, concurrency(50_000, sizing))
    assert many.kv_gb > few.kv_gb
    assert many.cards[1] > few.cards[1] and many.cny[1] > few.cny[1]
