"""What-if three ways: the result page's form, ``POST /api/v1/whatif`` and ``advisor whatif`` give
the same result for the same profile and change (one engine path: ``advisor.whatif.apply_changes``
then ``compare``)."""

from __future__ import annotations

import json
import re
import warnings
from html import unescape

import pytest

from conftest import PROFILES

BASE = "http://127.0.0.1:8000"
AS_OF = "2026-01-01"

# (profile, field, value as on the command line, the same change as the page's form sends it)
CASES = [
    ("02-saas-content-studio.yaml", "size", "small", [("set.size", "small")]),  # employees kept, as by --set
    ("05-hybrid-bank.yaml", "critical_infrastructure", "false", [("set.critical_infrastructure", "false")]),
    ("15-public-image-app.yaml", "personal_info", "none", [("set.personal_info", "none")]),  # pi_individuals kept
    ("01-gov-onprem.yaml", "privacy", "low", [("set.privacy", "low")]),
    ("13-mining-cii.yaml", "budget", "800万", [("set.budget", "amount"), ("set.budget_amount", "800万")]),
    ("09-finetune-manufacturer.yaml", "use_cases", "marketing", [("set.use_cases", ""), ("set.use_cases", "marketing")]),
    ("16-law-firm-local-data.yaml", "public_facing", "true", [("set.public_facing", "true")]),
    ("08-cross-border-ecommerce.yaml", "cross_border", "false", [("set.cross_border", "false")]),
]


@pytest.fixture(scope="module")
def web():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from advisor.web.app import create_app

    return TestClient(create_app(), base_url=BASE, raise_server_exceptions=False)


def _items(name: str) -> list[tuple[str, str]]:
    from advisor.ask.questionnaire import load_questionnaire
    from advisor.sources.document import read_profile
    from advisor.web.form import query_items

    return query_items(read_profile(str(PROFILES / name)).model_dump(mode="json", exclude_none=True),
                       load_questionnaire())


def _rows(html: str) -> list[tuple[str, str, str]]:
    """The what-if page's table of differences: (path, before, after) as shown."""
    table = re.search(r'<section class="card" id="diff">(.*?)</section>', html, re.S).group(1)
    return [(path, unescape(before), unescape(after)) for path, before, after in re.findall(
        r'<code>([^<]*)</code></td><td class="before">(.*?)</td><td class="after">(.*?)</td>', table, re.S)]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("name", "field", "value", "form"), CASES, ids=[f"{c[0][:2]}-{c[1]}" for c in CASES])
def test_the_page_the_api_and_the_command_line_agree(web, cli, name, field, value, form, lang):
    from advisor.profile import parse_profile
    from advisor.whatif import describe

    command = cli("whatif", str(PROFILES / name), "--set", f"{field}={value}", "--format", "json", "--lang", lang,
                  "--as-of", AS_OF)
    assert command.exit_code == 0, command.output
    by_cli = json.loads(command.stdout)

    profile = parse_profile(__import__("yaml").safe_load((PROFILES / name).read_text(encoding="utf-8")))
    response = web.post(f"/api/v1/whatif?lang={lang}&as_of={AS_OF}",
                        json={"profile": profile.model_dump(mode="json", exclude_none=True), "set": {field: value}})
    assert response.status_code == 200, response.text
    by_api = response.json()
    assert by_api == by_cli
    assert by_api["diff"], "a change that changes nothing tests little"

    page = web.get("/whatif", params=_items(name) + form + [("lang", lang), ("as_of", AS_OF)])
    assert page.status_code == 200
    shown = _rows(page.text)
    assert shown == [(d["path"], describe(d["before"], lang), describe(d["after"], lang)) for d in by_api["diff"]]
    after = by_api["after"]["deployment"]
    assert re.search(rf'<p class="mode" id="mode"><strong>{re.escape(after["label"])}</strong> <code>{after["mode"]}</code>',
                     page.text)


@pytest.mark.parametrize(("field", "value"), [("employees", "0"), ("sector", "")])
def test_a_change_refused_by_the_command_line_is_refused_by_the_api_and_the_page(web, cli, field, value):
    from advisor.profile import parse_profile

    name = "05-hybrid-bank.yaml"
    command = cli("whatif", str(PROFILES / name), "--set", f"{field}={value}", "--lang", "en")
    assert command.exit_code == 2
    profile = parse_profile(__import__("yaml").safe_load((PROFILES / name).read_text(encoding="utf-8")))
    response = web.post("/api/v1/whatif?lang=en", json={"profile": profile.model_dump(mode="json", exclude_none=True),
                                                         "set": {field: value}})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == f"set.{field}"
    page = web.get("/whatif", params=_items(name) + [(f"set.{field}", value), ("lang", "en")])
    assert page.status_code == 422
    errors = re.findall(r'<li class="error" role="alert">(.*?)</li>', page.text)
    assert errors and all(f"(set.{field})" in unescape(e) for e in errors)


@pytest.mark.parametrize(("name", "field", "value", "form"), CASES, ids=[f"{c[0][:2]}-{c[1]}" for c in CASES])
def test_keep_gives_the_whatifs_result_or_says_what_it_drops(web, name, field, value, form):
    """"Keep the changed answers" opens the result of the edited profile; when the questionnaire
    would not carry one of its answers (a headcount once a size is given), the page says so."""
    from advisor.profile import parse_profile

    profile = parse_profile(__import__("yaml").safe_load((PROFILES / name).read_text(encoding="utf-8")))
    after = web.post(f"/api/v1/whatif?lang=en&as_of={AS_OF}", json={
        "profile": profile.model_dump(mode="json", exclude_none=True), "set": {field: value}}).json()["after"]
    page = unescape(web.get("/whatif", params=_items(name) + form + [("lang", "en"), ("as_of", AS_OF)]).text)
    keep = re.search(r'id="keep" href="([^"]+)"', page).group(1).replace("/result?", "/result.json?")
    note = re.search(r'<p class="muted" id="not-kept">(.*?)</p>', page)
    if note is None:
        assert web.get(keep).json() == after
    else:
        assert {"size": "(Employees)", "personal_info": "(Individuals whose personal information is processed)"
                }[field] in note.group(1)


@pytest.mark.parametrize("as_of", ["soon", "1900-01-01"])
def test_a_whatif_on_a_date_that_is_not_one_is_refused_as_by_the_api(web, as_of):
    items = _items("05-hybrid-bank.yaml") + [("set.privacy", "low"), ("as_of", as_of)]
    page = web.get("/whatif", params=items)
    assert page.status_code == 422
    errors = [unescape(e) for e in re.findall(r'<li class="error" role="alert">(.*?)</li>', page.text)]
    assert errors and errors[-1].startswith(f"评估日期 as_of「{as_of}」不可用")
    assert web.post(f"/api/v1/whatif?as_of={as_of}", json={"profile": {}, "set": {}}).status_code == 422
