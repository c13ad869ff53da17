"""The pages: questionnaire, result, what-if, memo downloads, batch upload, API overview, login.

Every page is rendered on the server from a Jinja2 template (``templates/``); answers travel in
the page address (``advisor.web.form``), so every page can be reloaded, bookmarked and shared.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from advisor.errors import ProfileError, SourceError
from advisor.web.app import page_lang
from advisor.web.form import Query, query_items, read_answers

MEMO_EXTENSIONS = {"md": "markdown", "html": "html", "docx": "docx"}
SHOWN_ERRORS = 200  # bad records a batch result page lists (in both languages); the rest are counted


def router(ctx: Any) -> APIRouter:
    """The page routes (not part of the API's OpenAPI description)."""
    pages = APIRouter(include_in_schema=False)
    engine = ctx.engine

    def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        from advisor.web.view import View

        view = View(ctx, page_lang(request.query_params), request.url.path, request.query_params)
        return HTMLResponse(ctx.templates.get_template(template).render(v=view, **values), status_code=status)

    def answers_of(request: Request, check: bool) -> Any:
        params = request.query_params
        return read_answers(Query(params), ctx.questionnaire, page_lang(params), check=check)

    def as_of_of(params: Any, lang: str | None = None) -> tuple[Any, str | None, list[tuple[str, str]]]:
        """The checklist date asked for (``?as_of=YYYY-MM-DD``; None: today), the message when it is
        not a date, and the query item that carries it on to the next page."""
        from advisor.compliance import parse_as_of

        from advisor.messages import translate
        from advisor.web.text import wt

        raw = str(params.get("as_of") or "").strip()
        if not raw:
            return None, None, []
        try:
            return parse_as_of(raw), None, [("as_of", raw)]
        except ValueError as exc:
            lang = lang or page_lang(params)
            return None, wt("bad_as_of", lang, value=raw, reason=translate(str(exc), lang)), []

    def refused_date(request: Request, message: str) -> Response:
        """A download asked for a checklist date that is not one: 422 saying so, never a file
        dated another day."""
        from advisor.web.app import problem_response

        return problem_response(ctx, request.scope, 422, "bad_as_of_page", {"message": message})

    def profile_of(answers: Any, lang: str = "zh") -> tuple[Any, str | None]:
        """The profile the answers make, or the reason they make none (in ``lang``)."""
        from advisor.profile import parse_profile
        from advisor.web.text import wt

        try:
            return parse_profile(answers.values, source="answers"), None
        except ProfileError as exc:
            return None, wt("problems_sep", lang).join(p["message"] for p in exc.details(lang))

    @pages.get("/")
    async def questionnaire(request: Request) -> HTMLResponse:
        return render(request, "ask.html.j2", answers=answers_of(request, check=False), profile_error=None)

    @pages.get("/result")
    async def result(request: Request) -> HTMLResponse:
        answers = answers_of(request, check=True)
        profile, problem = (None, None) if answers.errors else profile_of(answers, page_lang(request.query_params))
        if profile is None:
            return render(request, "ask.html.j2", status=422, answers=answers, profile_error=problem)
        as_of, as_of_error, dated = as_of_of(request.query_params)
        rec = await engine.run(engine.recommend, profile, page_lang(request.query_params), as_of)
        return render(request, "result.html.j2", answers=answers, rec=rec, as_of_error=as_of_error,
                      answers_query=query_items(answers.values, ctx.questionnaire),
                      query=query_items(answers.values, ctx.questionnaire) + dated)

    @pages.get("/result.json")
    async def result_json(request: Request) -> Response:
        from advisor.web.api import attachment

        answers = answers_of(request, check=True)
        profile, _ = (None, None) if answers.errors else profile_of(answers)
        if profile is None:
            return RedirectResponse(str(request.url.replace(path="/result")), status_code=303)
        as_of, as_of_error, _ = as_of_of(request.query_params)
        if as_of_error:
            return refused_date(request, as_of_error)
        data = await engine.run(engine.advise_json, profile, page_lang(request.query_params), as_of)
        return Response(data, media_type="application/json", headers=attachment(profile.name, ".json"))

    @pages.get("/memo.{extension}")
    async def memo(request: Request, extension: str) -> Response:
        from starlette.exceptions import HTTPException

        from advisor.web.api import MEMO_TYPES, attachment

        fmt = MEMO_EXTENSIONS.get(extension)
        if fmt is None:
            raise HTTPException(404)
        answers = answers_of(request, check=True)
        profile, _ = (None, None) if answers.errors else profile_of(answers)
        if profile is None:
            return RedirectResponse(str(request.url.replace(path="/result")), status_code=303)
        as_of, as_of_error, _ = as_of_of(request.query_params)
        if as_of_error:
            return refused_date(request, as_of_error)
        data = await engine.run(engine.memo, profile, fmt, page_lang(request.query_params), None, as_of)
        media_type, suffix = MEMO_TYPES[fmt]
        return Response(data, media_type=media_type, headers=attachment(profile.name, suffix))

    @pages.get("/whatif")
    async def whatif(request: Request) -> HTMLResponse:
        from advisor.web.api import beside
        from advisor.web.form import read_changes
        from advisor.whatif import changed_fields

        lang = page_lang(request.query_params)
        query = Query(request.query_params)
        base = read_answers(query, ctx.questionnaire, lang, check=True)
        before, problem = (None, None) if base.errors else profile_of(base, lang)
        if before is None:
            return render(request, "ask.html.j2", status=422, answers=base, profile_error=problem)
        changes = read_changes(query, ctx.questionnaire, lang)
        as_of, as_of_error, dated = as_of_of(request.query_params)
        back = query_items(base.values, ctx.questionnaire) + dated
        # a date that is not one is refused, as the API and the downloads refuse it (never today's checklist instead)
        errors = [named_error(e.field, e.error, lang) for e in changes.errors] + ([as_of_error] if as_of_error else [])
        after = before
        if changes.values and not errors:  # the changes applied as `advisor whatif --set` and the API apply them
            after, errors = await beside(changed, before, changes.values, lang)
        if errors:
            return render(request, "whatif.html.j2", status=422, result=None, changed=[], back=back, keep=None,
                          errors=errors)
        result = await engine.run(engine.compare, before, after, lang, as_of)
        keep = query_items(after.model_dump(mode="json"), ctx.questionnaire)
        return render(request, "whatif.html.j2", result=result, changed=changed_fields(before, after), back=back,
                      keep=keep + dated, not_kept=not_kept(after, keep), errors=[])

    def not_kept(after: Any, keep: list[tuple[str, str]]) -> list[str]:
        """The fields of ``after`` with a value of their own that its answers, read back as the
        questionnaire reads them, leave out (a question no longer asked: the headcount once a
        size is given). The what-if compares ``after`` as the command line does; "keep" cannot
        carry these, and the page says so."""
        from advisor.ask.fields import contract_default

        params: dict[str, list[str]] = {}
        for name, value in keep:
            params.setdefault(name, []).append(value)
        read = read_answers(Query(params), ctx.questionnaire, "en", check=False).values
        return [name for name, value in after.model_dump().items()
                if value is not None and value != contract_default(name) and name not in read]

    def changed(before: Any, values: dict[str, Any], lang: str) -> tuple[Any, list[str]]:
        """``before`` with ``values`` applied by ``advisor.whatif.apply_changes``, or the reasons it
        cannot be, each naming its question."""
        from advisor.messages import translate
        from advisor.whatif import ChangeError, apply_changes

        try:
            return apply_changes(before, values), []
        except ChangeError as exc:
            return None, [named_error(p["field"], translate(p["message"], lang), lang) for p in exc.problems]
        except ProfileError as exc:
            return None, [named_error(p["field"], p["message"], lang) for p in exc.details(lang)]

    def named_error(name: str | None, error: str, lang: str) -> str:
        """A what-if answer's error, naming the question it is about (as the API names ``set.FIELD``)."""
        from advisor.vocabulary import vocabulary
        from advisor.web.text import wt

        field = vocabulary().fields.get(name) if name else None
        if field is None:
            return error
        return wt("whatif_field_error", lang, name=field.zh if lang == "zh" else field.name, field=name, error=error)

    # --- batch ------------------------------------------------------------------------------------

    def batch_page(request: Request, status: int = 200, error: str | None = None) -> HTMLResponse:
        from advisor.web.batch import accepted_suffixes

        return render(request, "batch.html.j2", status=status, error=error, suffixes=accepted_suffixes(),
                      settings=ctx.settings)

    @pages.get("/batch")
    async def batch_form(request: Request) -> HTMLResponse:
        return batch_page(request)

    @pages.post("/batch")
    async def batch_upload(request: Request) -> Response:
        import tempfile

        from advisor.web.batch import Kept, TooManyRows, display_name, read_upload
        from advisor.web.text import wt

        from advisor.web.api import Refused, beside, read_form

        lang = page_lang(request.query_params)
        try:
            form = await read_form(request, lang)
        except Refused as refused:
            return batch_page(request, refused.status, refused.body["error"])
        upload = form.get("file")
        if upload is None or isinstance(upload, str) or not upload.filename:
            return batch_page(request, 400, wt("batch_no_file", lang))
        as_of, as_of_error, _ = as_of_of(form, lang)
        if as_of_error:
            return batch_page(request, 422, as_of_error)
        data = await upload.read()
        try:
            records = await beside(read_upload, data, upload.filename, ctx.settings.max_rows)
        except TooManyRows:
            return batch_page(request, 413, wt("too_many_rows", lang, rows=f"{ctx.settings.max_rows:,}"))
        except SourceError as exc:
            return batch_page(request, 422, exc.text(lang))
        if not records:
            return batch_page(request, 422, wt("batch_empty", lang))
        with tempfile.TemporaryFile() as out:  # the page shows the summary; downloads score again
            report, errors = await engine.run(engine.batch, records, "csv", lang, out, as_of, SHOWN_ERRORS)
        kept = Kept(name=display_name(upload.filename), filename=upload.filename, lang=lang, data=data,
                    summary=report.summary, errors=errors, seconds=report.seconds, as_of=as_of)
        ctx.kept.add(kept)
        return RedirectResponse(f"/batch/{kept.id}?lang={lang}", status_code=303)

    @pages.get("/batch/{key}")
    async def batch_result(request: Request, key: str) -> HTMLResponse:
        from advisor.batch.writers import FORMATS
        from advisor.web.api import BATCH_TYPES
        from advisor.web.batch import summary_view

        kept = ctx.kept.get(key)
        if kept is None:
            return batch_page(request, 404, _gone(request))
        lang = page_lang(request.query_params)
        view = summary_view(kept.summary, engine.advisor.pack, lang)
        return render(request, "batch_result.html.j2", kept=kept, s=view, shown=SHOWN_ERRORS,
                      formats=[f for f in BATCH_TYPES if f in FORMATS])

    @pages.get("/batch/{key}/results.{extension}")
    async def batch_download(request: Request, key: str, extension: str) -> Response:
        from starlette.exceptions import HTTPException

        from advisor.batch.writers import FORMATS
        from advisor.web.api import BATCH_TYPES, batch_response
        from advisor.web.batch import read_upload

        kept = ctx.kept.get(key)
        if kept is None or extension not in BATCH_TYPES or extension not in FORMATS:
            raise HTTPException(404)
        from advisor.web.api import beside

        records = await beside(read_upload, kept.data, kept.filename, ctx.settings.max_rows)
        # in the language of the page the link is on, as the page's own messages
        return await batch_response(engine, records, extension, page_lang(request.query_params), kept.name,
                                    kept.as_of)

    def _gone(request: Request) -> str:
        from advisor.web.text import wt

        return wt("batch_gone", page_lang(request.query_params))

    # --- API overview, login ------------------------------------------------------------------------

    @pages.get("/api")
    async def api_page(request: Request) -> HTMLResponse:
        return render(request, "api.html.j2", endpoints=api_endpoints(request.app, page_lang(request.query_params)),
                      host=request.headers.get("host", "127.0.0.1:8000"))

    @pages.get("/login")
    async def login_form(request: Request) -> HTMLResponse:
        return render(request, "login.html.j2", wrong=False, next=_next(request.query_params.get("next")))

    @pages.post("/login")
    async def login(request: Request) -> Response:
        from advisor.web.guard import SESSION_COOKIE, session_value

        form = await request.form(max_files=0, max_fields=5)
        token = str(form.get("token") or "")
        target = _next(str(form.get("next") or ""))
        expected = ctx.settings.token
        if not expected:  # no token is asked for: nothing to log in to
            return RedirectResponse(target, status_code=303)
        if not hmac.compare_digest(token.encode(), expected.encode()):
            return render(request, "login.html.j2", status=401, wrong=True, next=target)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(SESSION_COOKIE, session_value(expected), httponly=True, samesite="strict", path="/")
        return response

    return pages


def api_endpoints(app: Any, lang: str) -> list[dict[str, str]]:
    """The API's endpoints as the /api page lists them, in ``lang``: ``[{method, path, summary,
    description}]`` in the order of the OpenAPI description, worded by ``api_op_<name>`` and
    ``api_op_<name>_about`` of ``text.yaml``, ``<name>`` the path's last part (the OpenAPI
    description takes the English of the same entries)."""
    from advisor.web.text import wt

    spec = app.openapi()
    return [{"method": method.upper(), "path": path, "summary": wt(f"api_op_{path.rsplit('/', 1)[-1]}", lang),
             "description": wt(f"api_op_{path.rsplit('/', 1)[-1]}_about", lang)}
            for path, ops in spec["paths"].items() for method in ops]


def _next(target: str | None) -> str:
    """Where to go after logging in: a path of this server only (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
