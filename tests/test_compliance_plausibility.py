"""The checklist against the regulations reference: statuses set by the facts the profile gives
(the number of individuals, the financial sub-sector), answers that contradict each other named as
conflicts, and rules that need a fact the profile does not give kept off the checklist."""

from __future__ import annotations

import pytest

from conftest import PROFILES, as_json

SHOP = {"name": "跨境", "size": "medium", "sector": "ecommerce", "privacy": "medium", "budget": "medium",
        "cross_border": True, "personal_info": "personal"}


def item(rec: dict, item_id: str) -> dict | None:
    return next((c for c in rec["compliance"] if c["id"] == item_id), None)


# --- cross-border: the mechanism follows the number of individuals (cross-border-2024) ------------


@pytest.mark.parametrize("count, status, rule, says", [
    (5000, "recommended", "COMP-XBORDER-PI-EXEMPT", "exempt from the security assessment, the standard contract and certification"),
    (99_999, "recommended", "COMP-XBORDER-PI-EXEMPT", "fewer than 100,000 people"),
    (100_000, "required", "COMP-XBORDER-PI-CONTRACT", "a standard contract or certification is required"),
    (999_999, "required", "COMP-XBORDER-PI-CONTRACT", "100,000 to under 1,000,000 people"),
    (1_000_000, "required", "COMP-XBORDER-PI-ASSESSMENT", "needs a CAC security assessment"),
])
def test_the_export_mechanism_follows_the_number_of_individuals(recommend, count, status, rule, says):
    rec = recommend({**SHOP, "pi_individuals": count})
    cross = item(rec, "cross-border-data-transfer")
    assert (cross["status"], cross["rules"]) == (status, [rule])
    assert says in cross["reason"]
    assert cross["basis"].startswith("Provisions on Promoting and Regulating Cross-Border Data Flows")
    if status == "recommended":  # the exempt export is not said to need a mechanism
        assert "is required" not in cross["reason"]


def test_no_exemption_for_sensitive_information_or_a_cii_operator_or_an_unknown_count(recommend):
    sensitive = item(recommend({**SHOP, "personal_info": "sensitive", "pi_individuals": 5000}), "cross-border-data-transfer")
    assert (sensitive["status"], sensitive["rules"]) == ("required", ["COMP-XBORDER-SENSITIVE"])
    assert "no volume exemption" in sensitive["reason"]
    cii = item(recommend({**SHOP, "critical_infrastructure": True, "pi_individuals": 5000}), "cross-border-data-transfer")
    assert (cii["status"], cii["rules"]) == ("required", ["COMP-XBORDER-CII"])
    unknown = item(recommend(SHOP), "cross-border-data-transfer")
    assert (unknown["status"], unknown["rules"]) == ("required", ["COMP-XBORDER-PI"])
    assert "does not say of how many people" in unknown["reason"]


# --- answers that contradict each other ------------------------------------------------------------


def test_no_personal_information_yet_twenty_million_people_is_a_conflict_and_a_consistent_checklist(recommend):
    rec = recommend({"name": "甲", "size": "medium", "sector": "ecommerce", "privacy": "medium", "budget": "medium",
                     "personal_info": "none", "pi_individuals": 20_000_000})
    assert [(c["fields"], c["rules"]) for c in rec["conflicts"]] == [
        (["personal_info", "pi_individuals"], ["CONFLICT-PI-NONE-COUNTED"])]
    pipl = item(rec, "personal-information-protection")
    assert pipl["status"] == "required" and pipl["rules"] == ["COMP-PI-PERSONAL"]
    assert pipl["basis"].startswith("Personal Information Protection Law")
    assert item(rec, "pi-protection-officer")["status"] == "required"


def test_personal_information_of_no_one_is_a_conflict(recommend):
    rec = recommend({**SHOP, "cross_border": False, "pi_individuals": 0})
    assert [c["rules"] for c in rec["conflicts"]] == [["CONFLICT-PI-COUNTED-NONE"]]


def test_a_financial_sub_sector_on_a_non_finance_profile_is_named_not_ignored(cli, tmp_path):
    path = tmp_path / "fs2.yaml"
    path.write_text("name: 券商\nsize: 大型\nsector: 医疗\nprivacy: 高\nbudget: 高\nfinance_subsector: banking\n",
                    encoding="utf-8")
    rec = as_json(cli("advise", str(path), "-f", "json", "--lang", "en"))
    assert [(c["fields"], c["rules"]) for c in rec["conflicts"]] == [
        (["sector", "finance_subsector"], ["CONFLICT-SUBSECTOR-NOT-FINANCE"])]
    assert item(rec, "banking-data-security") is None
    zh = as_json(cli("advise", str(path), "-f", "json"))
    assert "金融子行业" in zh["conflicts"][0]["text"]


# --- a bank gets the binding NFRA measures as required --------------------------------------------


@pytest.mark.parametrize("subsector, status, rule", [
    ("banking", "required", "COMP-FINANCE-DATA"),
    ("insurance", "required", "COMP-FINANCE-DATA"),
    ("unspecified", "recommended", "COMP-FINANCE-DATA-UNSTATED"),
])
def test_the_nfra_data_security_measures_bind_banks_and_insurers(recommend, subsector, status, rule):
    rec = recommend({"name": "银行", "size": "large", "sector": "finance", "privacy": "high", "budget": "high",
                     "finance_subsector": subsector})
    nfra = item(rec, "banking-data-security")
    assert (nfra["status"], nfra["rules"]) == (status, [rule])
    assert nfra["basis"].startswith("Data Security Management Measures for Banking and Insurance Institutions")
    assert item(rec, "finance-ai-risk")["status"] == "recommended"  # guidance, secondary source only


# --- vehicle rules need a vehicle ---------------------------------------------------------------------


def test_a_service_robot_gets_no_automobile_item_only_a_note_to_check(cli):
    rec = as_json(cli("advise", str(PROFILES / "06-aaas-service-robot.yaml"), "-f", "json", "--lang", "en"))
    assert not any("automobile" in c["id"] for c in [*rec["compliance"], *rec["upcoming"]])
    note = next(n for n in rec["notes"] if n["rule"] == "COMP-AUTO-DATA")
    assert note["text"].startswith("Only if these devices are vehicles")
