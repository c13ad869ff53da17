"""Compliance as the law stands on a date: ``--as-of``, ``as_of``/``upcoming``, dated instruments."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
import yaml

from advisor.assembly import RunOptions
from conftest import MINIPACK, PROFILES, RULES, as_json

IMAGE_APP = {"name": "画境AI", "size": "small", "sector": "media_gaming", "use_cases": ["content_generation"],
             "privacy": "medium", "budget": "medium", "public_facing": True, "modalities": ["image"]}
TODAY = dt.date(2026, 11, 30)


@pytest.fixture()
def fixed_today(monkeypatch):
    """The system clock, read in one place (advisor.clock), says TODAY."""
    from advisor import clock

    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


@pytest.fixture()
def image_app(tmp_path):
    path = tmp_path / "image-app.yaml"
    path.write_text(yaml.safe_dump(IMAGE_APP, allow_unicode=True), encoding="utf-8")
    return path


def ids(items: list[dict]) -> list[str]:
    return [c["id"] for c in items]


# --- one public image-generating app, three dates -------------------------------------------------


def test_three_dates_give_three_checklists_with_their_upcoming_items(cli, image_app, fixed_today):
    runs = {day: as_json(cli("advise", str(image_app), "-f", "json", "--lang", "en", *(["--as-of", day] if day else [])))
            for day in ("2023-06-01", "2025-06-01", None)}
    early, middle, now = runs["2023-06-01"], runs["2025-06-01"], runs[None]
    assert [r["as_of"] for r in (early, middle, now)] == ["2023-06-01", "2025-06-01", "2026-11-30"]
    assert len({json.dumps(r["compliance"]) for r in runs.values()}) == 3

    # 2023-06-01: before the Interim Measures; labels and the assessment rest on older instruments
    assert "genai-service-filing" not in ids(early["compliance"])
    early_items = {c["id"]: c for c in early["compliance"]}
    assert early_items["ai-content-labeling"]["basis"] == "Deep Synthesis Provisions (互联网信息服务深度合成管理规定) Art 16–17"
    assert early_items["security-assessment"]["effective"] == "2018-11-30"
    assert [(c["id"], c["effective"], c["change"]) for c in early["upcoming"]] == [
        ("genai-service-filing", "2023-08-15", "new"),
        ("security-assessment", "2023-08-15", "amended"),
        ("complaint-channel", "2023-08-15", "new"),
    ]

    # 2025-06-01: filed; the labelling measures, GB/T 45654 and incident reporting are coming
    assert {"genai-service-filing", "complaint-channel"} <= set(ids(middle["compliance"]))
    assert "incident-reporting" not in ids(middle["compliance"])
    assert [(c["id"], c["effective"], c["change"]) for c in middle["upcoming"]] == [
        ("ai-content-labeling", "2025-09-01", "amended"),
        ("security-assessment", "2025-11-01", "amended"),
        ("incident-reporting", "2025-11-01", "new"),
        ("mlps-classified-protection", "2026-01-01", "amended"),  # the Cybersecurity Law renumbered
    ]
    labels = next(c for c in middle["upcoming"] if c["id"] == "ai-content-labeling")
    assert labels["basis"].startswith("Measures for Labeling AI-Generated Synthetic Content")
    assert any("(Art 9)" in a for a in labels["actions"])  # as it will stand, with the new duties

    # today: all of it in force, the MLPS article renumbered, nothing within the next 12 months
    assert "incident-reporting" in ids(now["compliance"])
    mlps = next(c for c in now["compliance"] if c["id"] == "mlps-classified-protection")
    assert mlps["basis"].startswith("Cybersecurity Law (网络安全法), as amended 2025-10-28, Art 23;")
    assert "may be renumbered" not in json.dumps(now)
    assert now["upcoming"] == []


def test_the_mlps_article_is_art_21_until_2025_12_31_and_art_23_from_2026_01_01(advisor):
    from advisor.profile import parse_profile

    profile = parse_profile(IMAGE_APP)
    for day, en, zh in ((dt.date(2025, 12, 31), "Cybersecurity Law (网络安全法) Art 21;", "《网络安全法》第二十一条；"),
                        (dt.date(2026, 1, 1), "Cybersecurity Law (网络安全法), as amended 2025-10-28, Art 23;",
                         "《网络安全法》（2025年修正）第二十三条；")):
        for lang, text in (("en", en), ("zh", zh)):
            rec = advisor.recommend(profile, lang, RunOptions(as_of=day))
            mlps = next(c for c in rec.compliance if c.id == "mlps-classified-protection")
            assert mlps.basis.startswith(text), (day, mlps.basis)
            assert mlps.effective == "2017-06-01"


def test_the_mlps_renumbering_is_upcoming_as_amended_like_the_cross_border_change(cli, tmp_path):
    """The day an instrument's new version renumbers a cited article is a change of the item's
    basis, listed under ``upcoming`` as ``amended`` — as the cross-border item gaining an
    instrument on the same day is."""
    profile = tmp_path / "cb.yaml"
    profile.write_text(yaml.safe_dump({**IMAGE_APP, "public_facing": False, "cross_border": True,
                                       "personal_info": "personal"}, allow_unicode=True), encoding="utf-8")
    before = as_json(cli("advise", str(profile), "-f", "json", "--lang", "en", "--as-of", "2025-12-31"))
    mlps = next(c for c in before["compliance"] if c["id"] == "mlps-classified-protection")
    assert mlps["basis"].startswith("Cybersecurity Law (网络安全法) Art 21;")
    coming = {c["id"]: c for c in before["upcoming"]}
    assert {(i, c["change"], c["effective"]) for i, c in coming.items()} == {
        ("mlps-classified-protection", "amended", "2026-01-01"), ("cross-border-data-transfer", "amended", "2026-01-01")}
    assert coming["mlps-classified-protection"]["basis"].startswith(
        "Cybersecurity Law (网络安全法), as amended 2025-10-28, Art 23;")
    assert coming["mlps-classified-protection"]["status"] == "required"
    # a year earlier the renumbering is outside the window; from 2026-01-01 it is in force
    for day in ("2024-12-31", "2026-01-01"):
        run = as_json(cli("advise", str(profile), "-f", "json", "--lang", "en", "--as-of", day))
        assert "mlps-classified-protection" not in ids(run["upcoming"]), day


def test_the_default_date_is_today_from_the_one_clock(cli, image_app, fixed_today, tmp_path):
    from advisor.pipeline import score

    assert as_json(cli("advise", str(image_app), "-f", "json"))["as_of"] == "2026-11-30"
    assert score(IMAGE_APP)["as_of"] == "2026-11-30"
    memo = cli("memo", str(image_app), "--lang", "en")
    assert "30 November 2026" in memo.stdout  # printed date and the checklist's date, both from the clock


# --- the date as an option and as a keyword ---------------------------------------------------------


@pytest.mark.parametrize("command", ["advise", "memo", "batch"])
@pytest.mark.parametrize("bad", ["2025-13-01", "2025-6-1", "20250601", "June 2025", ""])
def test_a_bad_date_is_a_usage_error_naming_the_option(cli, command, bad):
    result = cli(command, str(PROFILES / "07-public-writing-app.yaml"), "--as-of", bad)
    assert result.exit_code == 2
    assert "--as-of" in result.stderr and "YYYY-MM-DD" in result.stderr
    assert result.stdout == "" and "Traceback" not in result.output


def test_score_and_score_many_take_as_of_as_a_date_or_text():
    from advisor import score, score_many

    assert score(IMAGE_APP, as_of="2025-06-01") == score(IMAGE_APP, as_of=dt.date(2025, 6, 1))
    assert score(IMAGE_APP, as_of="2025-06-01")["as_of"] == "2025-06-01"
    many = list(score_many([IMAGE_APP, {"name": "bad"}], as_of="2023-06-01"))
    assert many[0] == score(IMAGE_APP, as_of="2023-06-01") and "error" in many[1]
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        score(IMAGE_APP, as_of="1 June 2025")


@pytest.mark.parametrize("day", ["2023-06-01", "2025-06-01"])
def test_batch_with_as_of_is_byte_identical_to_advise(cli, tmp_path, day):
    rows = [dict(IMAGE_APP, name=f"app{n}") for n in range(3)] + [
        yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(PROFILES.glob("*.yaml"))]
    source = tmp_path / "list.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert cli("batch", str(source), "-o", str(out), "--as-of", day, "--lang", "en", "-q").exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    for row, line in zip(rows, lines):
        single = tmp_path / "one.json"
        single.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
        advised = cli("advise", str(single), "-f", "json", "--as-of", day, "--lang", "en")
        assert json.loads(line) == json.loads(advised.stdout)
        assert json.loads(line)["as_of"] == day


@pytest.mark.parametrize("day", [dt.date(2023, 6, 1), dt.date(2025, 6, 1)])
def test_cached_batch_scoring_equals_uncached_on_any_date(day):
    from batch_data import client_rows

    from advisor.batch.scorer import Scorer
    from advisor.sources.records import Record

    options = RunOptions(as_of=day)
    cached, uncached = Scorer(lang="zh", options=options), Scorer(lang="zh", cache=False, options=options)
    for number, row in enumerate(client_rows(150, seed=3), start=1):
        record = Record(number, "t.csv", number + 1, row)
        name, fast = cached.score(record)
        _, reference = uncached.score(record)
        assert fast.json_line(name) == reference.json_line(name)
        assert json.loads(fast.json_line(name))["as_of"] == day.isoformat()


# --- memos -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_memos_show_upcoming_obligations_in_their_own_section(cli, image_app, tmp_path, lang):
    import docx

    from advisor.memo.text import mt

    heading = mt("s_upcoming", lang)
    change = mt("change_amended", lang)
    for fmt in ("markdown", "html", "docx"):
        out = tmp_path / f"memo.{fmt}"
        result = cli("memo", str(image_app), "-f", fmt, "-o", str(out), "--lang", lang, "--as-of", "2025-06-01",
                     "--date", "2025-06-01")
        assert result.exit_code == 0, result.output
        if fmt == "docx":
            document = docx.Document(str(out))
            text = "\n".join(p.text for p in document.paragraphs)
            cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
        else:
            text = cells = out.read_text(encoding="utf-8")
        assert heading in text
        assert change in cells and ("2025年9月1日" if lang == "zh" else "1 September 2025") in cells
        section = text[text.index(heading):]
        assert mt("s_sector", lang) in section  # the next section follows it
    none = cli("memo", str(image_app), "--lang", lang, "--as-of", "2026-11-30")
    assert mt("up_none", lang, as_of=mt("date", lang, y=2026, m=11, d=30, month=mt("months", lang).split("|")[10]),
              end=mt("date", lang, y=2027, m=11, d=30, month=mt("months", lang).split("|")[10])) in none.stdout.replace("\\", "")


# --- the knowledge: instruments, citations, dates ------------------------------------------------------------


def test_every_item_of_the_bundled_pack_cites_instruments_of_the_pack(advisor):
    pack = advisor.pack
    cited = set()
    for item_id, item in pack.items.items():
        for citation in item.basis:
            assert citation.instrument in pack.instruments, item_id  # no free-text basis in the bundled pack
            cited.add(citation.instrument)
    assert cited == set(pack.instruments)  # and no instrument left unused
    assert all(i.source for i in pack.instruments.values())


def test_facts_from_secondary_sources_are_flagged():
    def item(profile: dict, item_id: str, day: str = "2026-11-30") -> dict:
        from advisor import score

        result = score(profile, lang="en", as_of=day)
        return next(c for c in result["compliance"] + result["upcoming"] if c["id"] == item_id)

    companion = dict(IMAGE_APP, use_cases=["digital_human"])
    assert "secondary sources" in item(companion, "anthropomorphic-ai-interaction")["needs_confirmation"]
    officer = dict(IMAGE_APP, personal_info="personal", pi_individuals=2_000_000)
    assert "secondary sources" in item(officer, "pi-protection-officer")["needs_confirmation"]
    nfra = {"name": "b", "size": "large", "sector": "finance", "privacy": "high", "budget": "high"}
    assert "unverified" in item(nfra, "finance-ai-risk")["needs_confirmation"]
    assert item(nfra, "finance-ai-risk")["effective"] == "2026"  # known to the year only: shown so
    assert item(nfra, "banking-data-security")["needs_confirmation"] is None  # a confirmed instrument


def test_incident_reporting_applies_to_internal_systems_with_the_2025_time_limits(recommend):
    result = recommend({"name": "内部", "size": "small", "sector": "other", "privacy": "low", "budget": "low"})
    incident = next(c for c in result["compliance"] if c["id"] == "incident-reporting")
    assert incident["status"] == "required"
    text = " ".join(incident["actions"])
    assert "within 1 hour" in text and "within 2 hours" in text and "within 4 hours" in text
    assert "relatively major" in text


# --- the date logic, on small packs -----------------------------------------------------------------------


def dated_pack(tmp_path, instruments: dict, items: dict) -> str:
    pack_dir = tmp_path / "pack"
    shutil.copytree(MINIPACK, pack_dir)
    data = yaml.safe_load((pack_dir / "pack.yaml").read_text(encoding="utf-8"))
    data["instruments"] = instruments
    data["items"].update(items)
    if items:
        data["rules"].append({"id": "T-DATED", "description": {"en": "dated", "zh": "日期"}, "source": "test",
                              "then": [{"comply": {"item": i, "status": "required"}} for i in items]})
    (pack_dir / "pack.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(pack_dir)


def instrument(effective, **more) -> dict:
    return {"cite": {"en": "Law", "zh": "《法》"}, "effective": effective, "source": "test", **more}


def checklist_of(pack_dir: str, day: dt.date, lang: str = "en"):
    from advisor.compliance import checklist
    from advisor.engine.loader import load_pack

    pack = load_pack(pack_dir)
    return checklist(pack, [r.id for r in pack.rules], lang, day)


def test_the_upcoming_window_is_twelve_months_to_the_day(tmp_path):
    from advisor.compliance import window_end

    assert window_end(dt.date(2025, 6, 1)) == dt.date(2026, 6, 1)
    assert window_end(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    pack = dated_pack(tmp_path, {"edge": instrument(dt.date(2026, 6, 1)), "later": instrument(dt.date(2026, 6, 2))},
                      {"at-edge": {"title": {"en": "a", "zh": "a"}, "basis": [{"instrument": "edge"}],
                                   "actions": [{"en": "x", "zh": "x"}]},
                       "past-edge": {"title": {"en": "b", "zh": "b"}, "basis": [{"instrument": "later"}],
                                     "actions": [{"en": "y", "zh": "y"}]}})
    listed = checklist_of(pack, dt.date(2025, 6, 1))
    assert [c.id for c in listed.upcoming] == ["at-edge"]
    assert [c.id for c in listed.items] == ["mlps-classified-protection"]
    assert {c.id for c in checklist_of(pack, dt.date(2026, 6, 1)).items} == {"at-edge", "mlps-classified-protection"}


def test_versions_renumbering_staged_application_repeal_and_partial_dates(tmp_path):
    pack = dated_pack(tmp_path, {
        "law": instrument("2014", versions=[{"effective": dt.date(2020, 1, 1), "label": {"en": "as amended", "zh": "修正"}}],
                          repealed=dt.date(2030, 1, 1), confirm={"en": "Year only.", "zh": "仅知年份。"}),
        "act": instrument(dt.date(2024, 8, 1)),
        "guide": instrument("2025-10"),
    }, {"duty": {"title": {"en": "Duty", "zh": "义务"},
                 "basis": [{"instrument": "law", "articles": [{"en": "Art 5", "zh": "第五条"},
                                                              {"since": dt.date(2020, 1, 1), "en": "Art 7", "zh": "第七条"}]},
                           {"instrument": "act", "articles": {"en": "Art 50", "zh": "第五十条"},
                            "applies_from": dt.date(2026, 8, 2)},
                           {"instrument": "guide"}],
                 "actions": [{"en": "always", "zh": "总是"}, {"en": "from the act", "zh": "依法案", "by": "act"},
                             {"en": "from the guide", "zh": "依指引", "by": "guide"}]},
        "guided": {"title": {"en": "G", "zh": "G"}, "basis": [{"instrument": "law"}, {"instrument": "guide"}],
                   "requires": ["guide"], "actions": [{"en": "g", "zh": "g"}]}})
    def duty(day):
        listed = checklist_of(pack, day)
        return next((c for c in listed.items if c.id == "duty"), None), listed

    early, _ = duty(dt.date(2014, 1, 1))  # a year known only: in force from its first day, shown as the year
    assert early.effective == "2014" and early.basis == "Law Art 5"
    assert early.actions == ["always"] and early.needs_confirmation == "Year only."
    amended, listed = duty(dt.date(2025, 9, 30))
    assert amended.basis == "Law, as amended, Art 7"
    assert [c.id for c in listed.upcoming] == ["duty", "guided"]  # the guide (October 2025) is coming
    assert listed.upcoming[0].effective == "2025-10" and listed.upcoming[0].change == "amended"
    assert listed.upcoming[1].change == "new"  # `requires`: not in force before the guide
    staged, listed = duty(dt.date(2026, 8, 2))
    assert staged.basis == "Law, as amended, Art 7; Law Art 50; Law"
    assert staged.actions == ["always", "from the act", "from the guide"]
    assert next(c for c in listed.items if c.id == "guided").effective == "2025-10"
    repealed, _ = duty(dt.date(2030, 1, 1))
    assert repealed.basis == "Law Art 50; Law" and repealed.effective == "2025-10"
    zh = next(c for c in checklist_of(pack, dt.date(2025, 1, 1), "zh").items if c.id == "duty")
    assert zh.basis == "《法》（修正）第七条"


@pytest.mark.parametrize("change, message", [
    ({"basis": [{"instrument": "lawz"}]}, "item duty: basis #1: unknown instrument 'lawz' (did you mean 'law'?)"),
    ({"basis": [{"instrument": "law", "articles": [{"en": "A", "zh": "A"}, {"since": "2021-01-01", "en": "B", "zh": "B"}]}]},
     "item duty: basis #1: articles since 2021-01-01 — law has no version in force on that date"),
    ({"actions": [{"en": "x", "zh": "x", "by": "other"}]}, "item duty: action 'x': 'by: other' is not an instrument of its basis"),
    ({"requires": ["other"]}, "item duty: requires 'other', which its basis does not cite"),
])
def test_a_wrong_citation_is_a_load_error_naming_the_item(cli, tmp_path, change, message):
    pack = dated_pack(tmp_path, {"law": instrument(dt.date(2020, 1, 1)), "other": instrument(dt.date(2021, 1, 1))},
                      {"duty": {"title": {"en": "Duty", "zh": "义务"}, "basis": [{"instrument": "law"}],
                                "actions": [{"en": "x", "zh": "x"}], **change}})
    result = cli("advise", str(PROFILES / "01-gov-onprem.yaml"), "--rules", pack)
    assert result.exit_code == 2 and message in result.stderr, result.stderr


@pytest.mark.parametrize("value", ["2022-13", "22-06", "2022-02-30", "soon"])
def test_a_date_that_is_not_one_is_a_load_error(cli, tmp_path, value):
    pack = dated_pack(tmp_path, {"law": instrument(value)}, {})
    result = cli("advise", str(PROFILES / "01-gov-onprem.yaml"), "--rules", pack)
    assert result.exit_code == 2 and "instrument law" in result.stderr and "is not a date" in result.stderr


def test_a_first_release_item_still_loads_and_is_dated(advisor):
    from advisor.engine.loader import load_pack

    item = load_pack(str(MINIPACK)).items["mlps-classified-protection"]
    assert item.basis[0].text.en == "CSL Art 21" and item.basis[0].effective == "2017-06-01"
    before = checklist_of(str(MINIPACK), dt.date(2017, 5, 31))
    assert before.items == [] and before.upcoming[0].effective == "2017-06-01"


# --- the profile fields of contract §4.1 ------------------------------------------------------------------


def test_the_new_fields_validate_and_read_chinese_headers_and_units(cli, tmp_path):
    from advisor.errors import ProfileError
    from advisor.profile import parse_profile

    profile = parse_profile({**IMAGE_APP, "serves_businesses": "是", "publishes_generated_content": "否", "minors": "yes",
                             "pi_individuals": "120万", "eu_market": False, "users": "300", "monthly_tokens": "1.5亿"})
    assert (profile.serves_businesses, profile.publishes_generated_content, profile.minors, profile.pi_individuals,
            profile.eu_market, profile.users, profile.monthly_tokens) == (True, False, True, 1_200_000, False, 300,
                                                                          150_000_000)
    assert parse_profile(IMAGE_APP).pi_individuals is None  # unknown unless given
    for field, value in (("pi_individuals", "-1"), ("pi_individuals", "1.5"), ("users", "0"), ("monthly_tokens", "很多"),
                         ("minors", "maybe")):
        with pytest.raises(ProfileError, match=f"field '{field}'"):
            parse_profile({**IMAGE_APP, field: value})
    table = tmp_path / "clients.csv"
    table.write_text("企业名称,规模,行业,隐私要求,预算,个人信息,个人信息规模,面向企业客户,未成年人用户,欧盟市场,发布生成内容,使用人数,月度Token量\n"
                     "甲,中型,电商,中,中,个人信息,100万,是,是,是,是,2000,3亿\n", encoding="utf-8")
    result = cli("batch", str(table), "-f", "jsonl", "--lang", "en", "-q", "--as-of", "2026-11-30")
    assert result.exit_code == 0, result.output
    listed = ids(json.loads(result.stdout)["compliance"])
    for item in ("pi-protection-officer", "genai-service-filing", "minors-protection", "eu-ai-act-transparency",
                 "published-content-labeling"):
        assert item in listed


def test_the_rule_cases_date_themselves(advisor):
    from advisor.engine.cases import load_cases

    dated = [c for c in load_cases(RULES) if c.file == "cases/compliance.yaml"]
    assert dated and all(c.case.as_of is not None for c in dated)
    assert {c.case.as_of for c in dated} >= {dt.date(2023, 6, 1), dt.date(2025, 6, 1), dt.date(2026, 11, 30)}
