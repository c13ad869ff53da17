"""The HTTP API (contract §4.4): the same bytes as the command line, every error reported, limits."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import warnings
import zipfile

import pytest
import yaml

from conftest import PROFILES, ROOT

EXAMPLES = sorted(PROFILES.glob("*.yaml"))
BASE = "http://127.0.0.1:8000"


def client(**settings):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's notice about its httpx test client
        from fastapi.testclient import TestClient

    from advisor.web.app import create_app
    from advisor.web.settings import Settings

    return TestClient(create_app(Settings(**settings)), base_url=BASE, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def api():
    return client()


def profile_of(path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_advise_returns_the_bytes_the_cli_prints(api, cli, path, lang):
    result = cli("advise", str(path), "--format", "json", "--lang", lang)
    response = api.post(f"/api/v1/advise?lang={lang}", json=profile_of(path))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == result.stdout_bytes


def test_advise_bytes_equal_a_real_cli_process(api):
    path = PROFILES / "05-hybrid-bank.yaml"
    printed = subprocess.run([sys.executable, "-m", "advisor", "advise", str(path), "--format", "json"],
                             capture_output=True, check=True, cwd=ROOT).stdout
    assert api.post("/api/v1/advise", content=json.dumps(profile_of(path), ensure_ascii=False).encode()).content == printed


def test_an_invalid_profile_is_422_with_every_error(api):
    body = {"name": "A", "size": "huge", "sector": "banking", "budget": "lots", "privac": "high"}
    response = api.post("/api/v1/advise?lang=en", json=body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    by_field = {e["field"]: e for e in errors}
    assert set(by_field) == {"privac", "size", "sector", "budget", "privacy"}
    assert by_field["size"]["value"] == "huge" and "allowed: micro (微型)" in by_field["size"]["message"]
    assert by_field["sector"]["value"] == "banking"
    assert by_field["privac"]["value"] == "high" and "did you mean 'privacy'" in by_field["privac"]["message"]
    assert by_field["privacy"]["value"] is None and "required" in by_field["privacy"]["message"]
    # the messages are in the request's language (Chinese by default); field and value stay as they are
    chinese = {e["field"]: e for e in api.post("/api/v1/advise", json=body).json()["errors"]}
    assert {f: (e["field"], e["value"]) for f, e in chinese.items()} == {f: (e["field"], e["value"]) for f, e in by_field.items()}
    assert "可填：micro (微型)" in chinese["size"]["message"]


def test_422_fields_and_values_come_from_the_validator_not_from_the_message(api):
    # Chinese keys (as in a CSV header): the field is the profile field, the value the one sent under
    # that key; a message that quotes other names (the suggestion, the allowed fields) changes nothing.
    body = {"企业名称": "甲", "规模": "巨型", "行业": "金融", "隐私要求": "高", "预算": "低", "employees": "many",
            "'size'": 1}
    errors = api.post("/api/v1/advise?lang=en", json=body).json()["errors"]
    got = {(e["field"], e["value"]) for e in errors}
    assert got == {("size", "巨型"), ("employees", "many"), ("'size'", 1)}
    from advisor.errors import ProfileError
    from advisor.profile import parse_profile

    with pytest.raises(ProfileError) as caught:
        parse_profile(body)
    assert [(e["field"], e["value"], e["message"]) for e in errors] == \
        [(p["field"], p["value"], p["message"]) for p in caught.value.details("en")]
    missing = api.post("/api/v1/advise?lang=en", json={"name": "甲", "sector": "金融", "privacy": "高", "budget": "低"})
    assert [(e["field"], e["value"]) for e in missing.json()["errors"]] == [("size", None)]


def test_a_profile_that_is_not_an_object_is_422(api):
    response = api.post("/api/v1/advise", json=[1, 2])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] is None


@pytest.mark.parametrize("body", [b"{", b"", b"{'name': 1}", b"\xff\xfe", b'{"a": NaN}'])
def test_broken_json_is_400(api, body):
    response = api.post("/api/v1/advise", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "error" in response.json()


def test_a_body_over_the_limit_is_413_by_its_length(api):
    response = api.post("/api/v1/advise", content=b" " * ((1 << 20) + 1))
    assert response.status_code == 413
    assert "1 MB" in response.json()["error"]


def test_a_body_over_the_limit_is_413_while_it_arrives():
    small = client(max_body=1000)

    def chunks():
        for _ in range(10):
            yield b" " * 200

    response = small.post("/api/v1/advise", content=chunks())  # chunked: no Content-Length
    assert response.status_code == 413


@pytest.mark.parametrize("query,field", [("lang=fr", "lang"), ("as_of=2025-13-01", "as_of"),
                                         ("as_of=yesterday", "as_of")])
def test_bad_parameters_are_422(api, query, field):
    response = api.post(f"/api/v1/advise?{query}", json=profile_of(PROFILES / "05-hybrid-bank.yaml"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_memo_in_every_format(api, cli, tmp_path):
    profile = profile_of(PROFILES / "05-hybrid-bank.yaml")
    md = api.post("/api/v1/memo?format=markdown&date=2025-03-01", json=profile)
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    printed = cli("memo", str(PROFILES / "05-hybrid-bank.yaml"), "--date", "2025-03-01").stdout_bytes
    assert md.content == printed
    assert "filename*=UTF-8''%E6%B1%9F%E5%8D%97" in md.headers["content-disposition"]
    docx = api.post("/api/v1/memo?format=docx&lang=en&date=2025-03-01", json=profile)
    assert docx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(docx.content)) as word:
        assert "word/document.xml" in word.namelist()
    html = api.post("/api/v1/memo?format=html", json=profile)
    assert html.headers["content-type"].startswith("text/html") and b"<html" in html.content


def test_whatif_is_the_library_whatif(api):
    from advisor.whatif import whatif

    profile = profile_of(PROFILES / "05-hybrid-bank.yaml")
    response = api.post("/api/v1/whatif?lang=en", json={"profile": profile, "set": {"privacy": "低"}})
    assert response.status_code == 200
    assert response.json() == whatif(profile, {"privacy": "低"}, lang="en")


def test_whatif_errors_name_the_changed_field(api):
    profile = profile_of(PROFILES / "05-hybrid-bank.yaml")
    response = api.post("/api/v1/whatif?lang=en", json={"profile": profile, "set": {"privac": "x", "budget": "lots"}})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["set.privac", "set.budget"]
    assert "allowed fields" in errors[0]["message"] and "allowed: low (低)" in errors[1]["message"]
    chinese = api.post("/api/v1/whatif", json={"profile": profile, "set": {"privac": "x", "budget": "lots"}})
    assert [e["message"][:5] for e in chinese.json()["errors"]] == ["未知字段“", "字段“bu"]
    bad_profile = api.post("/api/v1/whatif", json={"profile": {"name": "A"}, "set": {"privacy": "low"}})
    assert bad_profile.status_code == 422
    assert {e["field"] for e in bad_profile.json()["errors"]} >= {"profile.sector", "profile.privacy"}
    assert api.post("/api/v1/whatif", json={"profile": profile}).status_code == 422


def test_batch_from_a_json_list_keeps_order_and_error_rows(api):
    profiles = [profile_of(p) for p in EXAMPLES[:3]]
    profiles.insert(1, {"name": "Broken", "sector": "nowhere"})
    response = api.post("/api/v1/batch?lang=en", json=profiles)
    assert response.status_code == 200
    assert response.headers["x-advisor-invalid-records"] == "1"
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert len(lines) == 4
    assert lines[1]["record"] == 2 and "sector" in lines[1]["error"]
    # an error row names the profile it gives, as batch's do: {"record": 2, "profile": "Broken", "error": ...}
    assert [line.get("profile") for line in lines] == [profiles[0]["name"], "Broken", profiles[2]["name"],
                                                        profiles[3]["name"]]
    assert list(lines[1]) == ["record", "profile", "error"]


def test_batch_from_an_uploaded_csv(api, cli, tmp_path):
    csv = "name,size,sector,privacy,budget\n甲公司,中型,金融,高,800万\n乙公司,small,电商,低,low\n丙,巨型,金融,高,低\n"
    response = api.post("/api/v1/batch?format=csv", files={"file": ("客户.csv", csv.encode("utf-8"), "text/csv")})
    assert response.status_code == 200
    assert response.headers["x-advisor-invalid-records"] == "1"
    source = tmp_path / "客户.csv"
    source.write_text(csv, encoding="utf-8")
    out = tmp_path / "out.csv"
    cli("batch", str(source), "-o", str(out), "--quiet")
    # the same rows as the command line; the error names the uploaded file, not a temporary one
    assert response.content.replace("客户.csv".encode(), b"X") == out.read_bytes().replace(str(source).encode(), b"X")
    assert "客户.csv，第 3 条记录，第 4 行" in response.text  # in the language asked for (Chinese by default)


def test_batch_refuses_a_kind_of_file_it_cannot_read(api):
    response = api.post("/api/v1/batch?lang=en", files={"file": ("list.exe", b"MZ", "application/octet-stream")})
    assert response.status_code == 422
    assert "'.exe' files are not accepted" in response.json()["errors"][0]["message"]


def test_batch_over_the_row_limit_is_413():
    small = client(max_rows=2)
    response = small.post("/api/v1/batch?lang=en", json=[{"name": str(i)} for i in range(3)])
    assert response.status_code == 413
    assert "limit is 2" in response.json()["error"]
    assert small.post("/api/v1/batch", json=[{"name": str(i)} for i in range(3)]).json()["error"] == \
        "记录超过 2 条；上限为 2 条"


def test_rules_lists_the_pack(api, advisor):
    body = api.get("/api/v1/rules?lang=en").json()
    assert body["version"] == advisor.pack.version
    assert [r["id"] for r in body["rules"]] == [r.id for r in advisor.pack.rules]
    assert all(r["source"] and r["file"] for r in body["rules"])


def test_openapi_describes_every_endpoint(api):
    spec = api.get("/openapi.json").json()
    assert {"/api/v1/advise", "/api/v1/batch", "/api/v1/memo", "/api/v1/whatif", "/api/v1/rules"} <= set(spec["paths"])
    profile = spec["components"]["schemas"]["Profile"]
    assert "金融" in profile["properties"]["sector"]["enum"] and "finance" in profile["properties"]["sector"]["enum"]
    assert set(profile["required"]) == {"name", "sector", "privacy", "budget"}
    assert spec["paths"]["/api/v1/advise"]["post"]["responses"]["422"]
    assert not any(p.startswith("/result") or p == "/" for p in spec["paths"])  # the pages are not the API


# --- safety ---------------------------------------------------------------------------------------


def test_every_response_carries_the_security_headers(api):
    for response in (api.get("/"), api.get("/api/v1/rules"), api.post("/api/v1/advise", content=b"{"),
                     api.get("/nowhere"), api.get("/static/style.css")):
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"


def test_a_foreign_host_name_is_refused(api):
    response = api.get("/api/v1/rules", headers={"host": "attacker.example"})
    assert response.status_code == 400


def test_any_host_name_when_bound_to_a_public_address():
    from advisor.web.settings import allowed_hosts_for

    assert allowed_hosts_for("0.0.0.0") is None
    assert "localhost" in allowed_hosts_for("127.0.0.1")
    open_server = client(allowed_hosts=None)
    assert open_server.get("/api/v1/rules", headers={"host": "advisor.intranet:8000"}).status_code == 200


def test_a_post_from_another_site_is_refused(api):
    profile = profile_of(PROFILES / "05-hybrid-bank.yaml")
    assert api.post("/api/v1/advise", json=profile, headers={"origin": "https://evil.example"}).status_code == 403
    assert api.post("/api/v1/advise", json=profile, headers={"origin": BASE}).status_code == 200


def test_the_token_guards_the_api_and_the_pages():
    guarded = client(token="s3cret")
    profile = profile_of(PROFILES / "05-hybrid-bank.yaml")
    refused = guarded.post("/api/v1/advise", json=profile)
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert guarded.post("/api/v1/advise", json=profile, headers={"authorization": "Bearer wrong"}).status_code == 401
    assert guarded.post("/api/v1/advise", json=profile, headers={"authorization": "Bearer s3cret"}).status_code == 200
    page = guarded.get("/result?lang=en", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?lang=en&next=%2Fresult")
    assert guarded.get("/static/style.css").status_code == 200
    wrong = guarded.post("/login", data={"token": "nope", "next": "/"})
    assert wrong.status_code == 401
    ok = guarded.post("/login", data={"token": "s3cret", "next": "//evil.example/"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/"  # never to another site
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "s3cret" not in cookie
    assert guarded.get("/").status_code == 200  # the client keeps the cookie


def test_an_unexpected_error_is_500_with_an_id_and_a_log_line(caplog):
    broken = client()

    def fail(*args, **kwargs):
        raise RuntimeError("secret detail")

    broken.app.state.ctx.engine.advise_json = fail
    with caplog.at_level("ERROR", logger="advisor.web"):
        response = broken.post("/api/v1/advise", json=profile_of(PROFILES / "05-hybrid-bank.yaml"))
    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"error", "id"} and "secret detail" not in response.text and "Traceback" not in response.text
    assert any(body["id"] in r.getMessage() for r in caplog.records)
    page = client()
    page.app.state.ctx.engine.recommend = fail
    html = page.get("/result", params=yaml.safe_load((PROFILES / "05-hybrid-bank.yaml").read_text()))
    assert html.status_code == 500 and "secret detail" not in html.text and "Traceback" not in html.text


@pytest.mark.parametrize("as_of", ["2024-06-01", "2026-01-15"])
def test_as_of_gives_the_clis_as_of(api, cli, as_of):
    path = PROFILES / "05-hybrid-bank.yaml"
    printed = cli("advise", str(path), "--format", "json", "--as-of", as_of).stdout_bytes
    response = api.post(f"/api/v1/advise?as_of={as_of}", json=profile_of(path))
    assert response.content == printed and response.json()["as_of"] == as_of
    memo = api.post(f"/api/v1/memo?as_of={as_of}&date=2025-03-01", json=profile_of(path))
    assert memo.content == cli("memo", str(path), "--as-of", as_of, "--date", "2025-03-01").stdout_bytes
    whatif = api.post(f"/api/v1/whatif?as_of={as_of}", json={"profile": profile_of(path), "set": {"privacy": "low"}})
    assert whatif.json()["before"]["as_of"] == whatif.json()["after"]["as_of"] == as_of
    batch = api.post(f"/api/v1/batch?as_of={as_of}", json=[profile_of(path)])
    assert json.loads(batch.text.splitlines()[0])["as_of"] == as_of


def test_batch_in_every_output_format_the_batch_writers_have(api):
    """Every format both the API and ``advisor batch`` know is offered and works (a writer added
    to the batch, such as a workbook, shows up here)."""
    from advisor.batch.writers import FORMATS
    from advisor.web.api import BATCH_TYPES

    profiles = [profile_of(p) for p in EXAMPLES[:2]]
    formats = [f for f in BATCH_TYPES if f in FORMATS]
    assert {"jsonl", "csv", "json"} <= set(formats)
    for fmt in formats:
        response = api.post(f"/api/v1/batch?format={fmt}", json=profiles)
        assert response.status_code == 200, (fmt, response.text[:300])
        assert response.headers["content-type"].split(";")[0] == BATCH_TYPES[fmt][0].split(";")[0]
        assert response.content


# --- a server started with --prices and --as-of ----------------------------------------------------

ELECTRICITY = ("prices:\n  items:\n    electricity: {label: {en: Power, zh: 电费}, unit: CNY/kWh, cny: 3.0, "
               "source: our tariff, as_of: 2026-11-01}\n")


def test_a_server_with_prices_and_a_date_answers_as_the_cli_with_them(cli, tmp_path):
    prices = tmp_path / "prices.yaml"
    prices.write_text(ELECTRICITY, encoding="utf-8")
    import datetime as dt

    served = client(prices=str(prices), as_of=dt.date(2025, 3, 1))
    path = PROFILES / "05-hybrid-bank.yaml"
    for lang in ("zh", "en"):
        printed = cli("advise", str(path), "--format", "json", "--lang", lang, "--prices", str(prices),
                      "--as-of", "2025-03-01").stdout_bytes
        answered = served.post(f"/api/v1/advise?lang={lang}", json=profile_of(path)).content
        assert answered == printed
    rec = json.loads(answered)
    assert rec["as_of"] == "2025-03-01" and rec["costs"] and rec["counterfactuals"] is not None
    assert any(c["source"] == "our tariff" for cost in rec["costs"] for c in cost["components"])
    # a request's own date wins over the server's
    dated = served.post("/api/v1/advise?as_of=2026-01-01", json=profile_of(path)).json()
    assert dated["as_of"] == "2026-01-01"
    # the page, the memo and the what-if use them too
    assert "our tariff" in served.get("/result", params={"name": "甲", "size": "large", "sector": "finance",
                                                         "privacy": "high", "budget": "high", "lang": "en"}).text
    memo = served.post("/api/v1/memo?format=markdown&lang=en", json=profile_of(path)).text
    assert "our tariff" in memo
    changed = served.post("/api/v1/whatif", json={"profile": profile_of(path), "set": {"privacy": "low"}}).json()
    assert changed["after"]["as_of"] == "2025-03-01"
    assert any(c["source"] == "our tariff" for cost in changed["after"]["costs"] for c in cost["components"])
    plain = client().post("/api/v1/advise", json=profile_of(path)).json()
    assert not any(c["source"] == "our tariff" for cost in plain["costs"] for c in cost["components"])


def test_a_bad_price_file_stops_the_server_before_it_listens(tmp_path):
    from click.testing import CliRunner

    from advisor.cli import cli

    bad = tmp_path / "bad.yaml"
    bad.write_text(ELECTRICITY.replace("electricity", "electricty"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["serve", "--prices", str(bad), "--port", "1"])
    assert result.exit_code == 2 and "no item 'electricty'" in result.stderr
    assert "Traceback" not in result.stderr
