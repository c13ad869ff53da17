"""The cost estimate's figures as a user reads them: price files checked item by item (units,
bounds, dates), the quotes' dates shown, the public-use sum that adds up, extreme figures
written without float noise, modalities priced as text said so, sources whose label fits."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from conftest import PROFILES, RULES, as_json

STUDIO = str(PROFILES / "02-saas-content-studio.yaml")
BANK = str(PROFILES / "05-hybrid-bank.yaml")
DAY = "2026-12-01"


def price_file(tmp_path, *items: str, name: str = "prices.yaml") -> str:
    path = tmp_path / name
    path.write_text("prices:\n  items:\n" + "".join(f"    {item}\n" for item in items), encoding="utf-8")
    return str(path)



def refused(cli, profile: str, prices: str, lang: str):
    """``advisor advise PROFILE --prices PRICES --lang LANG``, which must exit 2; its result."""
    result = cli("advise", profile, "--prices", prices, "--lang", lang)
    assert result.exit_code == 2, result.stderr
    return result

# --- 1. a unit error is the price file's, said once --------------------------------------------


def test_a_unit_error_in_a_price_file_names_the_file_and_its_item(cli, tmp_path):
    prices = price_file(tmp_path, "saas_seat: {label: {en: S, zh: 席位}, unit: CNY/year, cny: [100, 200], "
                                  "source: q, as_of: 2026-11-01}")
    result = refused(cli, STUDIO, prices, "en")
    assert result.stderr == (f"advisor: error: {prices}: prices.items.saas_seat.unit: CNY/year does not fit how "
                             "costs.yaml uses this price (costs.modes.saas.seats): use CNY/user/year\n")
    result = refused(cli, STUDIO, prices, "zh")
    assert result.stderr == (f"advisor：错误：{prices}：prices.items.saas_seat.unit：单位 CNY/year 不符合 costs.yaml "
                             "对该价格的用法（costs.modes.saas.seats）：请用 CNY/user/year\n")


def test_a_price_used_in_several_places_has_its_unit_error_said_once(cli, tmp_path):
    prices = price_file(tmp_path, "electricity: {label: {en: E, zh: 电}, unit: CNY/year, cny: [1, 2], "
                                  "source: q, as_of: 2026-11-01}")
    result = refused(cli, BANK, prices, "en")
    assert result.stderr.count("prices.items.electricity.unit") == 1 and "costs.yaml: " not in result.stderr
    assert "problems" not in result.stderr  # one problem, not three


def test_a_licence_in_the_wrong_unit_for_its_payment_is_the_price_files_error(cli, tmp_path):
    # the annual licence given as a one-off amount: costs.yaml pays it every year
    prices = price_file(tmp_path, "licence_annual: {label: {en: L, zh: 授权}, unit: CNY, cny: [100, 200], "
                                  "source: q, as_of: 2026-11-01}")
    result = refused(cli, BANK, prices, "en")
    assert result.stderr == (f"advisor: error: {prices}: prices.items.licence_annual.unit: CNY does not fit how "
                             "costs.yaml uses this price (costs.modes.on_premise.licence, "
                             "costs.modes.hybrid.licence): use CNY/year\n")


def test_a_packs_own_mismatch_is_still_said_where_the_cost_model_uses_the_price(tmp_path):
    import shutil

    from advisor.engine.loader import load_pack
    from advisor.errors import RuleLoadError

    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    text = (pack / "prices.yaml").read_text(encoding="utf-8")
    (pack / "prices.yaml").write_text(text.replace("unit: CNY/kWh", "unit: CNY/year"), encoding="utf-8")
    with pytest.raises(RuleLoadError) as err:
        load_pack(pack)
    assert "costs.yaml: costs.power.electricity: the price 'electricity' is in CNY/year" in str(err.value)


# --- 2. bounds and dates -----------------------------------------------------------------------


def test_a_pue_below_1_is_refused(cli, tmp_path):
    prices = price_file(tmp_path, "pue: {label: {en: PUE, zh: PUE}, unit: ratio, value: [0.2, 0.5], "
                                  "source: x, as_of: 2026-11-01}")
    result = refused(cli, BANK, prices, "en")
    assert result.stderr == (f"advisor: error: {prices}: prices.items.pue.value: 0.2 is below 1, the least this "
                             "price can be ('min' in the price book)\n")
    result = cli("advise", BANK, "--prices", prices, "--lang", "zh")
    assert result.stderr == f"advisor：错误：{prices}：prices.items.pue.value：0.2 低于该价格项的下限 1（价目表中的 min）\n"


def test_a_price_file_cannot_widen_the_books_bounds(cli, tmp_path):
    prices = price_file(tmp_path, "pue: {label: {en: PUE, zh: PUE}, unit: ratio, value: [0.5, 1.2], min: 0, "
                                  "source: x, as_of: 2026-11-01}")
    result = cli("advise", BANK, "--prices", prices, "--lang", "en")
    assert result.exit_code == 2 and "prices.items.pue.value: 0.5 is below 1" in result.stderr
    fine = price_file(tmp_path, "pue: {label: {en: PUE, zh: PUE}, unit: ratio, value: [1.1, 1.2], "
                                "source: x, as_of: 2026-11-01}", name="fine.yaml")
    result = cli("advise", BANK, "--prices", fine, "--as-of", DAY, "-f", "json")
    assert result.exit_code == 0, result.stderr


def test_the_bundled_book_bounds_the_pue_in_its_own_yaml(tmp_path):
    import shutil

    from advisor.engine.loader import load_pack
    from advisor.errors import RuleLoadError

    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    text = (pack / "prices.yaml").read_text(encoding="utf-8")
    assert "min: 1" in text
    (pack / "prices.yaml").write_text(text.replace("value: [1.3, 1.8]", "value: [0.9, 1.8]"), encoding="utf-8")
    with pytest.raises(RuleLoadError) as err:
        load_pack(pack)
    assert "prices.yaml: prices.items.pue.value: 0.9 is below 1" in str(err.value)


def test_a_quote_dated_after_the_run_is_refused(cli, tmp_path, monkeypatch):
    import datetime as dt

    from advisor import clock

    monkeypatch.setattr(clock, "today", lambda: dt.date.fromisoformat(DAY))
    prices = price_file(tmp_path, "pue: {label: {en: PUE, zh: PUE}, unit: ratio, value: [1.2, 1.5], "
                                  "source: x, as_of: 2031-01-01}")
    result = refused(cli, BANK, prices, "en")
    assert result.stderr == (f"advisor: error: {prices}: prices.items.pue.as_of: the quote is dated 2031-01-01, "
                             f"after the date of this run ({DAY}); a price is quoted on or before the day it is "
                             "used\n")
    # a run as of a later day may use it; a checklist for a past day is priced with today's quotes
    assert cli("advise", BANK, "--prices", prices, "--as-of", "2031-01-01", "-f", "json").exit_code == 0
    batch = cli("batch", BANK, "--prices", prices, "-f", "jsonl", "-q", "--lang", "en")
    assert batch.exit_code == 2 and "prices.items.pue.as_of: the quote is dated 2031-01-01" in batch.stderr
    today = price_file(tmp_path, "pue: {label: {en: PUE, zh: PUE}, unit: ratio, value: [1.2, 1.5], "
                                 f"source: x, as_of: {DAY}}}", name="today.yaml")
    assert cli("advise", BANK, "--prices", today, "--as-of", "2025-01-01", "-f", "json").exit_code == 0


def test_each_component_says_the_dates_of_its_quotes_and_the_table_their_age(cli, tmp_path):
    prices = price_file(tmp_path, "electricity: {label: {en: E, zh: 电}, unit: CNY/kWh, cny: [0.5, 0.9], "
                                  "source: our quote, as_of: 2026-06-01}")
    rec = as_json(cli("advise", BANK, "--prices", prices, "--as-of", DAY, "-f", "json", "--lang", "en"))
    parts = {(c["mode"], p["item"]): p for c in rec["costs"] for p in c["components"]}
    assert parts["on_premise", "electricity"]["quotes_as_of"] == ["2026-06-01"]
    assert parts["on_premise", "hardware"]["quotes_as_of"] == ["2026-11-30"]
    assert all(p["quotes_as_of"] for p in parts.values())
    table = " ".join(cli("advise", BANK, "--prices", prices, "--as-of", DAY, "--lang", "en").stdout.split())
    assert "Price quotes dated 2026-06-01 to 2026-11-30: the oldest is 183 days old on 2026-12-01" in table
    markdown = cli("advise", BANK, "--as-of", DAY, "-f", "markdown").stdout
    assert "价格报价日期：2026-11-30；最早的报价至2026-12-01已有1天" in markdown


# --- 3. the public-use sum adds up ---------------------------------------------------------------


@pytest.mark.parametrize("users", [5000, 1234, 77777])
def test_the_public_use_formula_equals_its_result_and_what_is_priced(cli, users):
    profile = f"name: 甲\nemployees: 100\nsector: 影视游戏\nprivacy: 低\nbudget: 高\npublic_facing: 是\nusers: {users}\n"
    zh = cli("advise", "-", "-f", "json", "--lang", "zh", input=profile).stdout
    said = set(re.findall(r"公众使用：[^\"]*", zh))
    assert len(said) == 1
    (text,) = said
    assert "每人每次" not in text and "每人每个使用日" in text
    match = re.search(r"公众用户([\d,]+)人 × 每天使用的比例(\d+)% × 每月(\d+)天 × 每人每个使用日([\d,]+) Token = "
                      r"每月([\d,.]+)(万|亿)? Token", text)
    assert match, text
    public, share, days, daily, result, unit = match.groups()
    product = Decimal(public.replace(",", "")) * Decimal(share) / 100 * Decimal(days) * Decimal(daily.replace(",", ""))
    shown = Decimal(result.replace(",", "")) * {None: 1, "万": 10**4, "亿": 10**8}[unit]
    assert shown == product.to_integral_value()
    # the tokens priced for the public (SaaS) are that product: 75% input at the low price
    rec = json.loads(zh)
    saas = next(c for c in rec["costs"] if c["mode"] == "saas")
    public_in = next(p for p in saas["components"] if p["item"] == "public_input")
    assert public_in["cny"][0] == round(float(shown) * 0.75 / 1e6 * 0.3 * 12)
    en = cli("advise", "-", "-f", "json", "--lang", "en", input=profile).stdout
    assert "tokens a user adds on a day of use" in en


def test_the_public_share_of_given_tokens_is_not_written_as_a_product(cli):
    profile = ("name: 甲\nemployees: 100\nsector: 影视游戏\nprivacy: 低\nbudget: 高\npublic_facing: 是\n"
               "users: 5000\nmonthly_tokens: 1亿\n")
    zh = cli("advise", "-", "-f", "json", "--lang", "zh", input=profile).stdout
    (text,) = set(re.findall(r"公众使用：[^\"]*", zh))
    assert text.startswith("公众使用：在画像给出的每月1亿 Token中") and " = " not in text


# --- 4. extreme prices -----------------------------------------------------------------------------


def test_money_reads_trillions_and_powers_of_ten():
    from advisor.costs.money import count, exact_count, money, money_range

    assert money(1.2e12, "zh") == "1.2万亿" and money(1.2e12, "en") == "CNY 1.2T"
    assert money(7.2e19, "zh") == "7.2×10¹⁹元" and money(7.2e19, "en") == "CNY 7.2×10¹⁹"
    assert money_range((65400, 1.8e19), "zh") == "6.54万–1.8×10¹⁹元"
    assert count(1e15, "en") == "1×10¹⁵" and money(9.99e14, "zh") == "999万亿"
    assert exact_count(22_275_000, "zh") == "2,227.5万" and exact_count(22_275_000, "en") == "22.275M"
    assert exact_count(999, "zh") == "999" and exact_count(20_000, "zh") == "2万"


def test_extreme_prices_print_no_float_noise_and_no_free_payback(cli, tmp_path):
    prices = price_file(tmp_path, *(f"{item}: {{label: {{en: A, zh: A}}, unit: CNY/million tokens, "
                                    "cny: [0.3, 1e15], source: q, as_of: 2026-11-01}"
                                    for item in ("api_input", "api_output")))
    table = cli("advise", BANK, "--prices", prices, "--as-of", DAY, "--lang", "zh").stdout
    assert "7.2×10¹⁸元" in table and "不足0.1" in table
    assert not re.search(r"\d{1,3}(,\d{3}){4,}", table), "a number of 13 digits or more"
    assert not re.search(r"= 0\b", table)
    en = cli("advise", BANK, "--prices", prices, "--as-of", DAY, "--lang", "en").stdout
    assert "= under 0.1" in en
    rec = as_json(cli("advise", BANK, "--prices", prices, "--as-of", DAY, "-f", "json"))
    be = rec["break_even"]
    assert 0 < be["months"] < 0.1 and be["months_range"][0] > 0
    assert be["monthly_api_cny"] == 7.5e17
    for cost in rec["costs"]:
        for part in cost["components"]:
            for x in part["cny"] + part["three_year_cny"]:
                digits = len(str(x))
                assert digits <= 15 or x % 10 ** (digits - 15) == 0, (part["item"], x)  # no noise past 15 digits


# --- 5. modalities without prices of their own -----------------------------------------------------


def test_image_generation_is_said_to_be_priced_by_the_text_token(recommend):
    base = {"name": "甲", "employees": 100, "sector": "media_gaming", "privacy": "low", "budget": "high"}
    for lang, words in (("zh", "生成模态含图像：价目表只有文本模型的价格"),
                        ("en", "Generation of image: the price book has text-model prices only")):
        rec = recommend({**base, "modalities": ["image"]}, lang)
        maas = next(c for c in rec["costs"] if c["mode"] == "maas")
        assert any(a.startswith(words) for a in maas["assumptions"])
        assert any(a.startswith(words) for a in rec["break_even"]["assumptions"])
        on_premise = next(c for c in rec["costs"] if c["mode"] == "on_premise")
        assert not any(a.startswith(words) for a in on_premise["assumptions"])  # not priced by the token
        text_only = recommend({**base, "modalities": ["text"]}, lang)
        assert not any(words in a for c in text_only["costs"] for a in c["assumptions"])


def test_the_priced_as_text_note_comes_from_costs_yaml(tmp_path):
    import shutil

    from advisor.engine.loader import load_pack
    from advisor.errors import RuleLoadError

    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    text = (pack / "costs.yaml").read_text(encoding="utf-8")
    assert "priced_as_text:" in text
    (pack / "costs.yaml").write_text(text.replace("modalities: [image, audio", "modalities: [imgae, audio"),
                                     encoding="utf-8")
    with pytest.raises(RuleLoadError) as err:
        load_pack(pack)
    assert "costs.usage.priced_as_text.modalities: 'imgae' is not a modality (did you mean 'image'?)" in str(err.value)


# --- 6. sources ------------------------------------------------------------------------------------


def test_the_api_prices_source_has_no_address_of_another_page():
    import yaml

    items = yaml.safe_load((RULES / "prices.yaml").read_text(encoding="utf-8"))["prices"]["items"]
    for item in ("api_input", "api_output"):
        source = items[item]["source"]
        assert "computer-vision" not in source and "http" not in source
        assert "model list" in source and "needs_confirmation" in source
    for item_id, item in items.items():  # a named source either has an address or says it needs confirming
        source = item["source"]
        assert "project assumption" in source or "http" in source or "needs_confirmation" in source \
            or "《" in source, (item_id, source)


def test_a_checklist_for_a_day_before_the_quotes_says_so_and_gives_no_negative_age(cli):
    from conftest import PROFILES

    bank = str(PROFILES / "05-hybrid-bank.yaml")
    en = cli("advise", bank, "--as-of", "2026-06-15", "--lang", "en").stdout
    assert "after 2026-06-15, the date of the checklist: costs are at these later prices" in " ".join(en.split())
    assert "days old" not in en
    zh = cli("advise", bank, "--as-of", "2026-06-15", "-f", "markdown").stdout
    assert "晚于合规清单的日期2026-06-15：成本按这些较晚的价格估算" in zh and "已有-" not in zh
