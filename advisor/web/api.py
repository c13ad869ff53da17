"""The HTTP API of contract §4.4: the command line's recommendations as JSON.

Each handler reads its body itself (so that broken JSON is a 400, an invalid profile a 422 that
lists every problem, and the body's size is checked while it arrives) and hands the work to the
engine thread: the same library calls as ``advisor advise``, ``memo``, ``batch`` and ``whatif``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from advisor.errors import ProfileError, SourceError
from advisor.web.schemas import ref
from advisor.web.text import wt

MEMO_TYPES = {
    "markdown": ("text/markdown; charset=utf-8", ".md"),
    "html": ("text/html; charset=utf-8", ".html"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
}
BATCH_TYPES = {
    "jsonl": ("application/x-ndjson", ".jsonl"),
    "csv": ("text/csv; charset=utf-8", ".csv"),
    "json": ("application/json", ".json"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The dates a zip entry can carry (advisor.clock: FIRST_DAY..LAST_DAY), for `date` and `as_of`.
MEMO_DATE = r"^(19[89][0-9]|20[0-9]{2}|210[0-7])-[0-9]{2}-[0-9]{2}$"
Lang = Literal["zh", "en"]
MAX_PROBLEMS = 50  # problems of a profile listed in a 422; the rest are counted
AS_OF = ("YYYY-MM-DD, from 1980-01-01 to 2107-12-31: evaluate the compliance checklist as the law stood on "
         "that date (default: today); "
         "what comes into force in the following 12 months is listed under upcoming (advisor --as-of)")


class Said(str):
    """A message already in the request's language (the web's own wording, a profile's problems
    said in ``lang``): ``said_in`` leaves it as it is. Every other message is English, as raised,
    and ``said_in`` translates it; translating a Chinese message again would rewrite its
    punctuation (``字段: 值`` -> ``字段：值``, ``Content-Type: …`` -> ``Content-Type：…``)."""


def wt_said(key: str, lang: str, **values: Any) -> Said:
    """The web's wording ``key`` in ``lang`` (``advisor/web/text.yaml``), marked as said."""
    return Said(wt(key, lang, **values))


class Refused(Exception):
    """A request the API answers with an error: ``status`` and the JSON ``body``."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def invalid(field: str | None, value: Any, message: str) -> Refused:
    """A 422 with one problem."""
    return Refused(422, {"errors": [{"field": field, "value": value, "message": message}]})


def said_in(body: dict[str, Any], lang: str) -> dict[str, Any]:
    """An error body with its messages (``error``, ``errors[].message``) in ``lang``: English
    messages translated, ``Said`` ones kept."""
    from advisor.messages import translate

    def say(message: Any) -> Any:
        if isinstance(message, Said) or not isinstance(message, str):
            return message
        return translate(message, lang)

    out = {**body}
    if "error" in out:
        out["error"] = say(out["error"])
    if isinstance(out.get("errors"), list):
        out["errors"] = [{**e, "message": say(e.get("message"))} if isinstance(e, dict) else e for e in out["errors"]]
    return out


def parse_date(value: str | None, field: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` query parameter (None when absent or empty), read as ``--as-of`` reads it; 422 otherwise."""
    from advisor.compliance import parse_as_of

    if value is None or value == "":
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(f"'{value}' is not a date; use YYYY-MM-DD, e.g. 2025-06-01")
        return parse_as_of(value)
    except ValueError as exc:
        raise invalid(field, value, str(exc)) from None


def is_json(request: Request) -> bool:
    """Whether the request's body may be read as JSON: sent as ``application/json`` (or
    ``…+json``), or with no Content-Type (a script's client). The kinds a plain HTML form on
    another site can send (``text/plain``, ``application/x-www-form-urlencoded``,
    ``multipart/form-data``) are not JSON."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind in ("", "application/json") or (kind.startswith("application/") and kind.endswith("+json"))


def lang_of(request: Request) -> str:
    """The language of a request's messages: ``?lang=en``, else Chinese."""
    return "en" if request.query_params.get("lang", "").strip().lower() == "en" else "zh"


async def read_json(request: Request) -> Any:
    """The request body as JSON; 415 when it is not sent as JSON (a page on another site can
    post ``text/plain`` with a plain form, never ``application/json``), 400 when it is empty,
    not JSON, or gives a key twice in an object. Parsed on a worker thread, off the event loop."""
    if not is_json(request):
        given = request.headers.get("content-type", "").split(";")[0].strip()
        raise Refused(415, {"error": wt_said("not_json", lang_of(request), given=given)})
    body = await request.body()
    if not body.strip():
        raise Refused(400, {"error": "the request body is empty; send JSON"})
    return await beside(_decode_json, body)


def _decode_json(body: bytes) -> Any:
    import orjson

    from advisor.safe_load import DocumentError, json_value

    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        # orjson refuses a lone surrogate ("\ud800", valid JSON): read as the CLI reads JSON, it
        # reaches the profile, which names the field that holds it (422)
        data = _json_with_surrogates(body)
        if data is None:
            raise Refused(400, {"error": f"the request body is not valid JSON: {exc}"}) from None
    try:  # orjson keeps the last of a key given twice; the CLI's JSON reading refuses it, and so does the API
        text = body.decode("utf-8")
        json_value(text)
    except DocumentError as exc:
        where = f"{exc.where}: " if exc.where else ""
        twice = re.match(r"key '(.*)' is given twice", exc.reason)
        if twice:  # placed at the key given again, as the command line places it
            import json

            keys = list(re.finditer(re.escape(json.dumps(twice.group(1), ensure_ascii=False)) + r"\s*:", text))
            if len(keys) >= 2:
                at = keys[1].start()
                where = f"line {text.count(chr(10), 0, at) + 1}, column {at - (text.rfind(chr(10), 0, at) + 1) + 1}: "
        raise Refused(400, {"error": f"the request body is not valid JSON: {where}{exc.reason}"}) from None
    return data


def _json_with_surrogates(body: bytes) -> Any:
    """The body read by the standard library's JSON (numbers as text, as in a profile file), which
    takes what orjson refuses but JSON allows (a lone surrogate); None if it is not JSON either."""
    from advisor.safe_load import DocumentError, json_value

    try:
        text = body.decode("utf-8")
        data, end = json_value(text, len(text) - len(text.lstrip()))
    except (UnicodeDecodeError, DocumentError, ValueError):
        return None
    return None if text[end:].strip() else data


def parse(data: Any, prefix: str = "", lang: str = "zh") -> Any:
    """A validated ``Profile``; 422 listing its problems (messages in ``lang``): the first
    ``MAX_PROBLEMS``, then one line that counts the rest. Keys that name no field past the
    first ``MAX_PROBLEMS`` are counted, not validated. CPU work: call it through ``beside``."""
    from advisor.profile import field_of, parse_profile
    from advisor.web.problems import profile_problems

    unlisted = 0
    if isinstance(data, dict):
        unknown = [key for key in data if field_of(key) is None]
        if len(unknown) > MAX_PROBLEMS:
            skipped = set(unknown[MAX_PROBLEMS:])
            unlisted = len(skipped)
            data = {key: value for key, value in data.items() if key not in skipped}
    try:
        return parse_profile(data)
    except ProfileError as exc:
        if len(exc.problems) > MAX_PROBLEMS:
            unlisted += len(exc.problems) - MAX_PROBLEMS
            exc = ProfileError(exc.problems[:MAX_PROBLEMS], exc.source, exc.record, exc.line)
        errors = [{**e, "message": Said(e["message"])} for e in profile_problems(exc, prefix, lang)]
        if unlisted:
            errors.append({"field": None, "value": None, "message": wt_said("more_problems", lang, count=f"{unlisted:,}")})
        raise Refused(422, {"errors": errors}) from None


async def beside(fn: Any, *args: Any) -> Any:
    """``fn(*args)`` on a worker thread beside the engine's: CPU work that evaluates no rules
    (reading JSON, validating a profile, reading an upload) never holds the event loop, nor
    the engine thread that scores everyone's requests."""
    import asyncio

    return await asyncio.to_thread(fn, *args)


def attachment(name: str, extension: str) -> dict[str, str]:
    """A ``Content-Disposition`` for a download named ``name`` (Chinese names kept, RFC 6266)."""
    from urllib.parse import quote

    from advisor.memo.namer import safe_stem

    stem = safe_stem(name)
    ascii_stem = stem.encode("ascii", "ignore").decode() or "advisor"
    return {"Content-Disposition": f"attachment; filename=\"{ascii_stem}{extension}\"; "
                                   f"filename*=UTF-8''{quote(stem + extension, safe='')}"}


def _body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "description": description,
                            "content": {"application/json": {"schema": schema}}}}


_INVALID = {"description": "An invalid profile or parameter: every problem with its field, value and message.",
            "content": {"application/json": {"schema": ref("Invalid")}}}
_ERRORS = {
    400: {"description": "The body is not JSON.", "content": {"application/json": {"schema": ref("Error")}}},
    401: {"description": "A token is needed (the server was started with one).",
          "content": {"application/json": {"schema": ref("Error")}}},
    413: {"description": "The body is over the size limit (or, for batch, has too many records).",
          "content": {"application/json": {"schema": ref("Error")}}},
    422: _INVALID,
}


def router(ctx: Any) -> APIRouter:
    """The ``/api/v1`` routes, working through ``ctx.engine``."""
    api = APIRouter(prefix="/api/v1", tags=["api"])
    engine = ctx.engine

    def guarded(handler: Any) -> Any:
        import functools

        @functools.wraps(handler)
        async def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return await handler(*args, **kwargs)
            except Refused as refused:
                return JSONResponse(said_in(refused.body, kwargs.get("lang", "zh")), status_code=refused.status)

        return run

    @api.post(
        "/advise",
        summary=wt("api_op_advise", "en"),
        description=wt("api_op_advise_about", "en"),
        openapi_extra=_body(ref("Profile"), "An enterprise profile (contract §1)."),
        responses={200: {"description": "The recommendation.",
                         "content": {"application/json": {"schema": ref("Recommendation")}}}, **_ERRORS},
    )
    @guarded
    async def advise(request: Request, lang: Lang = "zh",
                     as_of: str | None = Query(None, json_schema_extra={"format": "date", "pattern": MEMO_DATE},
                                               description=AS_OF)) -> Response:
        date = parse_date(as_of, "as_of")
        profile = await beside(parse, await read_json(request), "", lang)
        return Response(await engine.run(engine.advise_json, profile, lang, date), media_type="application/json")

    @api.post(
        "/memo",
        summary=wt("api_op_memo", "en"),
        description=wt("api_op_memo_about", "en"),
        openapi_extra=_body(ref("Profile"), "An enterprise profile (contract §1)."),
        responses={200: {"description": "The memo file.",
                         "content": {t: {"schema": {"type": "string", "format": "binary"}}
                                     for t, _ in MEMO_TYPES.values()}}, **_ERRORS},
    )
    @guarded
    async def memo(request: Request, format: Literal["markdown", "html", "docx"] = "markdown", lang: Lang = "zh",
                   date: str | None = Query(None, json_schema_extra={"format": "date", "pattern": MEMO_DATE},
                                            description="YYYY-MM-DD printed on the memo, from 1980 to 2107 "
                                                        "(default: today)"),
                   as_of: str | None = Query(None, json_schema_extra={"format": "date", "pattern": MEMO_DATE},
                                             description=AS_OF)
                   ) -> Response:
        memo_date = parse_date(date, "date")  # within the dates a zip entry can carry, as --as-of
        checklist_date = parse_date(as_of, "as_of")
        profile = await beside(parse, await read_json(request), "", lang)
        data = await engine.run(engine.memo, profile, format, lang, memo_date, checklist_date)
        media_type, extension = MEMO_TYPES[format]
        return Response(data, media_type=media_type, headers=attachment(profile.name, extension))

    @api.post(
        "/whatif",
        summary=wt("api_op_whatif", "en"),
        description=wt("api_op_whatif_about", "en"),
        openapi_extra=_body(ref("WhatIfRequest"), "A profile and the answers to change."),
        responses={200: {"description": "Before, after and the difference.",
                         "content": {"application/json": {"schema": ref("WhatIf")}}}, **_ERRORS},
    )
    @guarded
    async def whatif(request: Request, lang: Lang = "zh",
                     as_of: str | None = Query(None, json_schema_extra={"format": "date", "pattern": MEMO_DATE},
                                               description=AS_OF)) -> Response:
        date = parse_date(as_of, "as_of")
        body = await read_json(request)
        if not (isinstance(body, dict) and isinstance(body.get("profile"), dict) and isinstance(body.get("set"), dict)):
            raise invalid(None, None, wt_said("whatif_body", lang))
        extra = [k for k in body if k not in ("profile", "set")]
        if extra:
            raise invalid(extra[0], body[extra[0]], f"unknown key '{extra[0]}'; allowed: profile, set")
        if not body["set"]:  # (advisor whatif asks for at least one --set)
            raise invalid("set", {}, wt_said("whatif_no_change", lang))
        profile = await beside(parse, body["profile"], "profile.", lang)
        edited = await beside(_changed, profile, body["set"], lang)
        result = await engine.run(engine.compare, profile, edited, lang, date)
        import orjson

        return Response(orjson.dumps(result), media_type="application/json")

    @api.post(
        "/batch",
        summary=wt("api_op_batch", "en"),
        description=wt("api_op_batch_about", "en"),
        openapi_extra={"requestBody": {"required": True, "content": {
            "multipart/form-data": {"schema": {"type": "object", "properties": {
                "file": {"type": "string", "format": "binary"}}, "required": ["file"]}},
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        }}},
        responses={200: {"description": "The results.",
                         "content": {t: {"schema": {"type": "array", "items": {"type": "object"}} if f == "json"
                                         else {"type": "string"}} for f, (t, _) in BATCH_TYPES.items()}},
                   **_ERRORS},
    )
    @guarded
    async def batch(request: Request, format: Literal["jsonl", "csv", "json", "xlsx"] = "jsonl", lang: Lang = "zh",
                    as_of: str | None = Query(None, json_schema_extra={"format": "date", "pattern": MEMO_DATE},
                                              description=AS_OF)) -> Response:
        from advisor.batch.writers import FORMATS
        from advisor.web.batch import TooManyRows, display_name, json_records, read_upload

        date = parse_date(as_of, "as_of")
        if format not in FORMATS:
            raise invalid("format", format, wt_said("format_unavailable", lang, format=format, available=", ".join(
                f for f in FORMATS if f in BATCH_TYPES)))
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if kind == "multipart/form-data":
                form = await read_form(request, lang)
                upload = form.get("file")
                if upload is None or isinstance(upload, str):
                    raise invalid("file", None, wt_said("batch_no_file_field", lang))
                records = await beside(read_upload, await upload.read(), upload.filename, ctx.settings.max_rows)
                name = upload.filename or "results"
            else:
                body = await read_json(request)
                if not isinstance(body, list):
                    raise invalid(None, None, wt_said("batch_body", lang))
                records = json_records(body, ctx.settings.max_rows)
                name = "results"
        except TooManyRows as exc:
            raise Refused(413, {"error": str(exc)}) from None
        except SourceError as exc:
            raise invalid("file", None, str(exc)) from None
        if not records:  # as `advisor batch`: nothing to score is an error, not an empty file
            from advisor.batch.text import say

            shown = display_name(name) if kind == "multipart/form-data" else wt_said("json_list", lang)
            raise invalid("file" if kind == "multipart/form-data" else None, None,
                          Said(say("no_records", lang, inputs=shown)))
        return await batch_response(engine, records, format, lang, name, date)

    @api.get(
        "/rules",
        summary=wt("api_op_rules", "en"),
        description=wt("api_op_rules_about", "en"),
        responses={200: {"description": "The rule pack.",
                         "content": {"application/json": {"schema": ref("RulePack")}}}},
    )
    async def rules(lang: Lang = "zh") -> Response:
        import orjson

        pack = engine.advisor.pack
        body = {"name": pack.meta.name, "version": pack.version,
                "rules": [{"id": r.id, "file": pack.files.get(r.id, ""), "source": r.source,
                           "description": r.description.get(lang)} for r in pack.rules]}
        return Response(orjson.dumps(body), media_type="application/json")

    return api


async def read_form(request: Request, lang: str, max_fields: int = 10) -> Any:
    """The multipart form of an upload (one file at most); a 400 that says what is wrong when
    it cannot be read (no boundary, two files, too many fields)."""
    from starlette.exceptions import HTTPException

    try:
        return await request.form(max_files=1, max_fields=max_fields)
    except HTTPException as exc:  # starlette's reason: "Too many files. Maximum number of files is 1." …
        raise Refused(400, {"error": form_problem(str(exc.detail), max_fields, lang)}) from None


def form_problem(reason: str, max_fields: int, lang: str) -> str:
    """What is wrong with a multipart body, from starlette's reason, in ``lang``."""
    if "files" in reason.lower():
        return wt_said("form_two_files", lang)
    if "fields" in reason.lower():
        return wt_said("form_too_many_fields", lang, limit=max_fields)
    if "boundary" in reason.lower():
        return wt_said("form_no_boundary", lang)
    if "invalid multipart" in reason.lower():
        return wt_said("form_invalid", lang)
    return wt_said("form_unreadable", lang, reason=reason)


def _changed(profile: Any, changes: dict[str, Any], lang: str) -> Any:
    """``profile`` with ``changes`` applied; 422 naming each ``set.`` field (the first
    ``MAX_PROBLEMS`` problems, then their count)."""
    from advisor.messages import translate
    from advisor.whatif import ChangeError, apply_changes

    from advisor.whatif import field_name

    unknown = [key for key in changes if field_name(key) is None]
    unlisted = 0
    if len(unknown) > MAX_PROBLEMS:  # counted, not checked one by one
        skipped = set(unknown[MAX_PROBLEMS:])
        unlisted = len(skipped)
        changes = {key: value for key, value in changes.items() if key not in skipped}
    try:
        return apply_changes(profile, changes)
    except ChangeError as exc:
        problems = exc.problems
        errors = [{**p, "field": None if p["field"] is None else f"set.{p['field']}",
                   "message": Said(translate(p["message"], lang))} for p in problems[:MAX_PROBLEMS]]
    except ProfileError as exc:
        from advisor.web.problems import profile_problems

        problems = exc.problems
        errors = [{**e, "message": Said(e["message"])} for e in profile_problems(
            ProfileError(problems[:MAX_PROBLEMS], exc.source, exc.record, exc.line), "set.", lang)]
    unlisted += max(len(problems) - MAX_PROBLEMS, 0)
    if unlisted:
        errors.append({"field": None, "value": None, "message": wt_said("more_problems", lang, count=f"{unlisted:,}")})
    raise Refused(422, {"errors": errors})


async def batch_response(engine: Any, records: list[Any], fmt: str, lang: str, name: str,
                         as_of: dt.date | None = None) -> Response:
    """Score ``records`` on the engine thread into a temporary file and send it."""
    import tempfile
    from pathlib import PurePosixPath

    out = tempfile.SpooledTemporaryFile(max_size=8 << 20)
    try:
        report, errors = await engine.run(engine.batch, records, fmt, lang, out, as_of)
    except BaseException:
        out.close()
        raise
    out.seek(0)

    def chunks() -> Any:
        try:
            while chunk := out.read(1 << 16):
                yield chunk
        finally:
            out.close()

    media_type, extension = BATCH_TYPES[fmt]
    headers = attachment(PurePosixPath(name).stem or "results", extension)
    headers["X-Advisor-Invalid-Records"] = str(len(errors))
    return StreamingResponse(chunks(), media_type=media_type, headers=headers)
