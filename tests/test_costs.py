"""What it will cost: the price book, usage estimates, per-mode costs, budget verdicts, break-even."""

from __future__ import annotations

import math
import shutil
import textwrap

import pytest

from advisor.costs.break_even import cumulative, months_to_break_even
from conftest import PROFILES, RULES, as_json

STUDIO = PROFILES / "02-saas-content-studio.yaml"  # micro, 5万
BANK = PROFILES / "05-hybrid-bank.yaml"  # large, 3000万

BASE = {"name": "Acme", "size": "medium", "sector": "industrial", "privacy": "medium", "budget": "medium"}


def costs_by_mode(rec: dict) -> dict[str, dict]:
    return {c["mode"]: c for c in rec["costs"]}


# --- every example is priced ----------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(PROFILES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_mode_of_every_example_has_a_cost_range_with_components(advisor, path):
    from advisor.sources.document import read_profile

    rec = advisor.recommend(read_profile(str(path)), "zh").model_dump(mode="json")
    ranked = [rec["deployment"]["mode"], *(a["mode"] for a in rec["deployment"]["alternatives"])]
    assert [c["mode"] for c in rec["costs"]] == ranked  # one entry per mode, best first
    for cost in rec["costs"]:
        low, high = cost["first_year_cny"]
        assert 0 < low <= high and cost["three_year_cny"][0] >= low and cost["three_year_cny"][1] >= high
        assert cost["components"] and cost["assumptions"]
        # the parts add up to the totals
        assert [sum(c["cny"][i] for c in cost["components"]) for i in (0, 1)] == cost["first_year_cny"]
        assert [sum(c["three_year_cny"][i] for c in cost["components"]) for i in (0, 1)] == cost["three_year_cny"]
        for component in cost["components"]:
            assert component["source"] and component["label"] and component["cny"][0] <= component["cny"][1]


def test_a_micro_studio_with_5_wan_cannot_afford_on_premise_but_can_afford_saas(recommend):
    from advisor.sources.document import read_profile

    raw = read_profile(str(STUDIO)).model_dump(exclude_none=True)
    costs = costs_by_mode(recommend(raw))
    assert raw["budget"] == 50_000
    assert costs["on_premise"]["within_budget"] is False
    assert costs["saas"]["within_budget"] is True
    assert costs["on_premise"]["first_year_cny"][0] > 50_000 >= costs["saas"]["first_year_cny"][1]


def test_a_large_bank_with_3000_wan_can_afford_on_premise(recommend):
    from advisor.sources.document import read_profile

    raw = read_profile(str(BANK)).model_dump(exclude_none=True)
    costs = costs_by_mode(recommend(raw))
    assert raw["budget"] == 30_000_000
    assert costs["on_premise"]["within_budget"] is True
    assert costs["on_premise"]["first_year_cny"][1] <= 30_000_000


def test_a_budget_between_the_ends_of_a_range_is_undetermined(recommend):
    rec = recommend({**BASE, "budget": 100_000})
    first = costs_by_mode(rec)
    undetermined = [m for m, c in first.items() if c["within_budget"] is None]
    assert undetermined
    for mode in undetermined:
        low, high = first[mode]["first_year_cny"]
        assert low <= 100_000 < high


def test_a_budget_band_is_judged_by_both_its_limits_and_says_so(recommend):
    # A band stands for any amount in it: within only when the high end fits its lower limit,
    # over only when the low end exceeds its upper limit, else undetermined.
    low = costs_by_mode(recommend({**BASE, "size": "large", "budget": "low"}))
    assert low["on_premise"]["first_year_cny"][0] > 500_000  # the low band ends below 500,000
    assert low["on_premise"]["within_budget"] is False
    low = costs_by_mode(recommend({**BASE, "size": "micro", "budget": "low"}))
    assert low["saas"]["first_year_cny"][1] <= 500_000 and low["saas"]["within_budget"] is None  # 0 fits too
    assert any("500,000" in a or "500k" in a for a in low["saas"]["assumptions"])
    medium = costs_by_mode(recommend({**BASE, "size": "micro", "budget": "medium"}))
    assert medium["saas"]["first_year_cny"][1] <= 500_000 and medium["saas"]["within_budget"] is True
    for cost in medium.values():
        low_cost, high_cost = cost["first_year_cny"]
        expected = True if high_cost <= 500_000 else False if low_cost > 5_000_000 else None
        assert cost["within_budget"] is expected, cost["mode"]
    high = costs_by_mode(recommend({**BASE, "size": "large", "budget": "high"}))
    for cost in high.values():  # the top band has no upper limit: never "beyond" it
        assert cost["within_budget"] in (True, None) and cost["far_beyond_budget"] is False


def test_an_8_person_firm_on_the_medium_band_is_judged_by_its_lower_limit(recommend):
    from advisor.sources.document import read_profile

    raw = read_profile(str(PROFILES / "16-law-firm-local-data.yaml")).model_dump(exclude_none=True)
    costs = costs_by_mode(recommend({**raw, "budget": "medium"}, lang="en"))
    for cost in costs.values():  # never compared with the band's top (5 million)
        low_cost, high_cost = cost["first_year_cny"]
        assert cost["within_budget"] is (True if high_cost <= 500_000 else None), cost["mode"]
        assert "at most the band's lower limit" in cost["assumptions"][0]


def test_far_beyond_the_budget_is_flagged_for_the_conflicts(advisor, recommend):
    factor = advisor.pack.book.costs.budget.far_beyond_factor
    costs = costs_by_mode(recommend({**BASE, "size": "large", "budget": 10_000}))
    on_premise = costs["on_premise"]
    assert on_premise["first_year_cny"][0] > factor * 10_000
    assert on_premise["far_beyond_budget"] is True and on_premise["within_budget"] is False
    near = costs_by_mode(recommend({**BASE, "size": "large", "budget": on_premise["first_year_cny"][0]}))
    assert near["on_premise"]["far_beyond_budget"] is False


# --- usage ----------------------------------------------------------------------------------------


def test_users_and_tokens_are_estimated_and_labelled_when_absent(advisor, recommend):
    spec = advisor.pack.book.costs.usage
    rec = recommend({**BASE, "employees": 400, "use_cases": ["knowledge_search", "code_assistant"]}, "en")
    be = rec["break_even"]
    users = 200  # 400 employees × users_per_employee (0.5), rounded up
    assert spec.users_per_employee == 0.5 and be["users"] == users
    daily = spec.daily_tokens_by_use_case["knowledge_search"] + spec.daily_tokens_by_use_case["code_assistant"]
    # 200 users × 22 days × 38,000 tokens = 167,200,000, given as an estimate to two significant figures
    assert spec.estimate_digits == 2
    assert be["monthly_tokens"] == 170_000_000 == round(users * spec.working_days_per_month * daily, -7)
    assert be["estimated"] == ["users", "monthly_tokens"]
    maas = costs_by_mode(rec)["maas"]["assumptions"]
    assert any(a.startswith("Users: 200 (estimated") for a in maas)
    assert any(a.startswith("Monthly tokens:") and "(estimated" in a for a in maas)


def test_given_users_and_tokens_are_used_as_given(recommend):
    rec = recommend({**BASE, "users": 300, "monthly_tokens": "5000万"}, "zh")
    be = rec["break_even"]
    assert be["users"] == 300 and be["monthly_tokens"] == 50_000_000 and be["estimated"] == []
    assert any("画像给出" in a for a in costs_by_mode(rec)["maas"]["assumptions"])


def test_a_public_service_has_many_more_users_than_staff(advisor, recommend):
    factor = advisor.pack.book.costs.usage.public_facing_users_factor
    staff = recommend({**BASE, "employees": 40})["break_even"]["users"]
    assert staff == 20
    public = recommend({**BASE, "employees": 40, "public_facing": True})["break_even"]["users"]
    assert public == staff * factor  # 20 × 20 = 400: already two significant figures


# --- break-even -----------------------------------------------------------------------------------


def test_the_method_of_pan_et_al_worked_by_hand():
    # The method's set-up (Pan et al. 2025, arXiv:2509.18101): a one-time hardware cost, electricity
    # paid monthly at USD 0.15 per kWh for eight hours on each business day, and the commercial API
    # priced for the same monthly tokens. Our worked example: a USD 2,000 single-GPU machine
    # drawing 0.575 kW, 22 business days, and 50 million tokens a month at USD 5 per million.
    capex = 2000.0
    power = 0.575 * 8 * 22 * 0.15  # 101.2 kWh × 0.15 = USD 15.18 a month
    api = 50 * 5.0  # USD 250 a month
    assert power == pytest.approx(15.18)
    months = months_to_break_even(capex, api, power)
    assert months == pytest.approx(2000 / 234.82)  # = 8.517... months
    assert round(months, 2) == 8.52
    on_premise, metered = cumulative(capex, api, power, 12)
    assert on_premise[8] > metered[8] and on_premise[9] < metered[9]  # the lines cross in month 9
    # An API that costs less each month than the power never pays the hardware back.
    assert months_to_break_even(capex, 15.0, power) is None
    assert months_to_break_even(capex, power, power) is None


def test_break_even_equals_capex_over_api_minus_power_from_its_own_parts(recommend):
    for tokens in ("5亿", "50亿", "500亿"):
        be = recommend({**BASE, "monthly_tokens": tokens})["break_even"]
        saving = be["monthly_api_cny"] - be["monthly_power_cny"]
        if saving <= 0:
            assert be["months"] is None
        else:
            assert be["months"] == round(be["capex_cny"] / saving, 1)


def test_break_even_falls_as_monthly_tokens_grow(recommend):
    months = []
    for tokens in (20 * 10**9, 40 * 10**9, 80 * 10**9, 160 * 10**9):
        be = recommend({**BASE, "users": 200, "monthly_tokens": tokens})["break_even"]
        assert be["monthly_tokens"] == tokens
        months.append(be["months"])
    assert None not in months
    assert months == sorted(months, reverse=True) and months[0] > months[-1]


def test_break_even_is_null_when_the_api_is_cheaper_every_month(recommend):
    be = recommend({**BASE, "users": 20, "monthly_tokens": 1000})["break_even"]
    assert be["monthly_api_cny"] < be["monthly_power_cny"]
    assert be["months"] is None and be["months_range"][1] is None


# --- a price file ----------------------------------------------------------------------------------

HAND_PRICES = textwrap.dedent("""\
    prices:
      items:
        electricity: {label: {en: Power, zh: 电费}, unit: CNY/kWh, cny: 1.0, source: our tariff, as_of: 2026-11-01}
        pue: {label: {en: PUE, zh: PUE}, unit: ratio, value: 1.0, source: our room, as_of: 2026-11-01}
        api_input: {label: {en: In, zh: 输入}, unit: CNY/million tokens, cny: 2, source: our quote, as_of: 2026-11-01}
        api_output: {label: {en: Out, zh: 输出}, unit: CNY/million tokens, cny: 8, source: our quote, as_of: 2026-11-01}
      servers:
        - {id: workstation_imported, label: {en: Box, zh: 工作站}, origin: imported, cards: 1, card_memory_gb: 48,
           power_kw: 0.5, cny: 30000, source: our quote, as_of: 2026-11-01}
        - {id: workstation_domestic, label: {en: Box, zh: 工作站}, origin: domestic, cards: 1, card_memory_gb: 48,
           power_kw: 0.5, cny: 30000, source: our quote, as_of: 2026-11-01}
    """)


def test_a_price_file_replaces_the_prices_and_the_sum_can_be_redone_by_hand(cli, tmp_path):
    prices = tmp_path / "prices.yaml"
    prices.write_text(HAND_PRICES, encoding="utf-8")
    profile = tmp_path / "p.yaml"
    profile.write_text("name: Acme\nsize: small\nsector: industrial\nprivacy: medium\nbudget: medium\n"
                       "users: 10\nmonthly_tokens: 10亿\n", encoding="utf-8")
    result = cli("advise", str(profile), "--format", "json", "--prices", str(prices))
    assert result.exit_code == 0, result.stderr
    rec = as_json(result)
    be = rec["break_even"]
    # capex 30,000; power 0.5 kW × 730 h × PUE 1.0 × 1 CNY = 365 a month;
    # API 750 M input × 2 + 250 M output × 8 = 1,500 + 2,000 = 3,500 a month
    assert (be["capex_cny"], be["monthly_power_cny"], be["monthly_api_cny"]) == (30000, 365, 3500)
    assert be["months"] == round(30000 / (3500 - 365), 1) == 9.6
    maas = costs_by_mode(rec)["maas"]
    tokens = {c["item"]: c for c in maas["components"]}
    assert tokens["tokens_input"]["cny"] == [18000, 18000] and tokens["tokens_input"]["source"] == "our quote"
    hardware = {c["item"]: c for c in costs_by_mode(rec)["on_premise"]["components"]}["hardware"]
    assert hardware["cny"] == [30000, 30000] and hardware["source"] == "our quote"


def test_a_price_file_with_an_unknown_item_or_a_bad_range_is_a_clear_error(cli, tmp_path):
    profile = str(PROFILES / "02-saas-content-studio.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("prices:\n  items:\n    electricty: {label: {en: P, zh: P}, unit: CNY/kWh, cny: [1, 2], "
                   "source: x, as_of: 2026-01-01}\n", encoding="utf-8")
    result = cli("advise", profile, "--prices", str(bad))
    assert result.exit_code == 2
    assert "no item 'electricty'" in result.stderr and "did you mean 'electricity'" in result.stderr
    assert "Traceback" not in result.stderr
    bad.write_text("prices:\n  items:\n    electricity: {label: {en: P, zh: P}, unit: CNY/kWh, cny: [2, 1], "
                   "source: x, as_of: 2026-01-01}\n", encoding="utf-8")
    result = cli("advise", profile, "--prices", str(bad))
    assert result.exit_code == 2
    assert "prices.items.electricity.cny" in result.stderr and "above the high end" in result.stderr
    bad.write_text("prices:\n  items:\n    electricity: {label: {en: P, zh: P}, unit: CNY/year, cny: [1, 2], "
                   "source: x, as_of: 2026-01-01}\n", encoding="utf-8")
    result = cli("advise", profile, "--prices", str(bad))
    assert result.exit_code == 2
    assert result.stderr == (f"advisor: error: {bad}: prices.items.electricity.unit: CNY/year does not fit how "
                             "costs.yaml uses this price (costs.modes.on_premise.electricity, "
                             "costs.modes.hybrid.electricity, costs.power.electricity): use CNY/kWh\n")


@pytest.mark.parametrize(("figure", "message"), [
    (".nan", "finite"), ("[1, .inf]", "finite"), ("[-1, 2]", "negative"), ("[1, 2, 3]", "[low, high]"),
    ("yes", "[low, high]"),
])
def test_the_price_book_is_checked_when_the_pack_loads(tmp_path, figure, message):
    from advisor.engine.loader import load_pack
    from advisor.errors import RuleLoadError

    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    text = (pack / "prices.yaml").read_text(encoding="utf-8")
    (pack / "prices.yaml").write_text(text.replace("cny: [0.6, 1.0]", f"cny: {figure}"), encoding="utf-8")
    with pytest.raises(RuleLoadError) as err:
        load_pack(pack)
    assert "prices.yaml: prices.items.electricity.cny" in str(err.value) and message in str(err.value)


def test_a_cost_model_naming_a_missing_price_is_a_load_error(tmp_path):
    from advisor.engine.loader import load_pack
    from advisor.errors import RuleLoadError

    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    text = (pack / "costs.yaml").read_text(encoding="utf-8")
    (pack / "costs.yaml").write_text(text.replace("price: saas_seat", "price: saas_seats"), encoding="utf-8")
    with pytest.raises(RuleLoadError) as err:
        load_pack(pack)
    assert "costs.yaml: costs.modes.saas.seats: no price item 'saas_seats'" in str(err.value)
    assert "did you mean 'saas_seat'" in str(err.value)


def test_a_pack_without_a_price_book_uses_the_bundled_one(recommend):
    from advisor.engine.loader import load_pack
    from conftest import MINIPACK

    pack = load_pack(MINIPACK)
    assert pack.book is not None and "from the bundled pack" in pack.book.origin
    assert pack.book.prices == load_pack().book.prices


def test_costs_are_deterministic_and_in_both_languages(recommend):
    zh, en = recommend(BASE, "zh"), recommend(BASE, "en")
    assert recommend(BASE, "zh") == zh
    assert [c["first_year_cny"] for c in zh["costs"]] == [c["first_year_cny"] for c in en["costs"]]
    assert zh["costs"][0]["label"] != en["costs"][0]["label"]
    assert zh["break_even"]["formula"] != en["break_even"]["formula"]


def test_a_recommended_mode_far_beyond_the_budget_is_a_conflict(recommend):
    rec = recommend({"name": "Agency", "size": "large", "sector": "government", "privacy": "high", "budget": 100_000})
    chosen = rec["costs"][0]
    assert chosen["mode"] == rec["deployment"]["mode"] and chosen["far_beyond_budget"] is True
    conflict = rec["conflicts"][-1]
    assert "budget" in conflict["fields"] and conflict["rules"] == rec["deployment"]["rules"]
    assert "more than 2 times the budget (CNY 100k)" in conflict["text"]
    # within the budget: no such conflict
    rich = recommend({"name": "Agency", "size": "large", "sector": "government", "privacy": "high",
                      "budget": 30_000_000})
    assert not any("times the budget" in c["text"] for c in rich["conflicts"])


# --- a service offered to the public ----------------------------------------------------------------

RETAIL = PROFILES.parent / "tests" / "data" / "retail-public.yaml"  # 20,000 staff, public-facing, 500万


def test_the_public_holds_no_seats_and_is_priced_by_the_token(advisor, recommend):
    from advisor.sources.document import read_profile

    raw = read_profile(str(RETAIL)).model_dump(exclude_none=True)
    rec = recommend(raw)
    saas = costs_by_mode(rec)["saas"]
    parts = {c["item"]: c for c in saas["components"]}
    usage = advisor.pack.book.costs.usage
    staff = round(20_000 * usage.users_per_employee)
    seat = advisor.pack.book.item("saas_seat").range_for("large")
    assert parts["seats"]["cny"] == [round(staff * seat[0]), round(staff * seat[1])]  # staff only
    assert rec["break_even"]["users"] == staff * usage.public_facing_users_factor  # everyone who uses it
    assert parts["public_input"]["cny"][0] > 0 and parts["public_output"]["cny"][0] > 0
    assert any("public users" in a and "by the token" in a for a in saas["assumptions"])
    # the public's requests are spread over the day: far fewer at once than 5% of all users
    sizing = advisor.pack.book.costs.sizing
    public_active = (rec["break_even"]["users"] - staff) * usage.public_daily_active_share
    expected = math.ceil(staff * sizing.peak_concurrency_share + public_active * sizing.public_peak_concurrency_share)
    assert rec["break_even"]["hardware"]["concurrency"] == expected
    assert expected < rec["break_even"]["users"] * sizing.peak_concurrency_share / 5


def test_an_internal_service_has_no_public_lines(recommend):
    saas = costs_by_mode(recommend({**BASE, "employees": 400, "size": None}))["saas"]
    assert [c["item"] for c in saas["components"]] == ["seats", "onboarding"]


def test_hardware_without_an_advised_size_says_which_size_and_why(advisor, recommend):
    rec = recommend({"name": "小店", "size": "micro", "sector": "other", "use_cases": ["knowledge_search"],
                     "privacy": "low", "budget": "low"})
    assert rec["model_size"]["chosen_by"] == "vendor"
    default = advisor.pack.book.costs.sizing.default_params_b
    assert rec["break_even"]["hardware"]["params_b"] == default
    said = [a for a in rec["break_even"]["assumptions"] if "No model size was advised" in a]
    assert said and f"{default:g} B model" in said[0] and "report §1.5" in said[0]
