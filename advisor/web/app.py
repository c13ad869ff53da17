"""The ASGI application: the pages, the API, their static files, and the guard in front of them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from advisor.web.settings import Settings

log = logging.getLogger("advisor.web")
LANGS = ("zh", "en")
DEFAULT_LANG = "zh"


@dataclass
class Context:
    """What every request handler shares: settings, the engine, the templates, kept batch results."""

    settings: Settings
    engine: Any  # advisor.web.engine.Engine
    templates: Any  # a jinja2.Environment
    kept: Any  # advisor.web.batch.KeptResults

    @property
    def questionnaire(self) -> Any:
        from advisor.ask.questionnaire import load_questionnaire

        return load_questionnaire()


def page_lang(params: Any) -> str:
    """The language a page is shown in: ``?lang=en`` or Chinese (anything else falls back to zh)."""
    lang = str(params.get("lang") or DEFAULT_LANG).strip().lower()
    return lang if lang in LANGS else DEFAULT_LANG


def templates() -> Any:
    """The Jinja2 environment of the pages: packaged templates, every value escaped."""
    import jinja2

    from advisor.web.form import encode_one

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("advisor.web", "templates"),
        autoescape=True,  # every template is HTML: every user string is escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["qv"] = encode_one  # a value as the form sends it
    return env


def create_app(settings: Settings | None = None) -> Any:
    """The app for ``settings``; compiles the rule pack (``RuleLoadError`` if it does not load)."""
    from advisor.web.engine import Engine

    settings = settings or Settings()
    engine = Engine(settings.rules_dir, prices=settings.prices, as_of=settings.as_of)
    compiled = engine.start()  # compiles on the engine thread while the app is built here

    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException
    from starlette.staticfiles import StaticFiles

    from advisor import __version__
    from advisor.web import api, pages
    from advisor.web.batch import KeptResults
    from advisor.web.guard import Guard

    ctx = Context(settings=settings, engine=engine, templates=templates(), kept=KeptResults(settings.keep_results))

    app = FastAPI(
        title="advisor",
        version=__version__,
        description="Recommends how an enterprise in China should adopt a large language model: deployment mode, "
                    "pricing, model size and compliance checklist, each line with its rule and source. The same "
                    "recommendations as the `advisor` command line (contract §3 JSON).",
        docs_url=None, redoc_url=None,  # their pages load scripts from the internet
        openapi_url="/openapi.json",
    )
    app.state.ctx = ctx
    app.mount("/static", StaticFiles(packages=[("advisor.web", "static")]), name="static")
    app.include_router(api.router(ctx))
    app.include_router(pages.router(ctx))

    def problem(scope: dict[str, Any], status: int, key: str, values: dict[str, Any]) -> Any:
        return problem_response(ctx, scope, status, key, values)

    @app.exception_handler(HTTPException)
    async def http_error(request: Any, exc: HTTPException) -> Any:
        key = {404: "not_found", 405: "not_allowed"}.get(exc.status_code, "error_title")
        values = {"allowed": (exc.headers or {}).get("Allow", "")} if exc.status_code == 405 else {}
        response = problem_response(ctx, request.scope, exc.status_code, key, values)
        response.headers.update(exc.headers or {})  # e.g. Allow on 405
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_parameter(request: Any, exc: RequestValidationError) -> Any:
        from fastapi.responses import JSONResponse

        from advisor.web.api import said_in

        errors = [{"field": ".".join(str(p) for p in e["loc"][1:]) or None, "value": e.get("input"),
                   "message": e["msg"]} for e in exc.errors()]
        lang = "en" if request.query_params.get("lang") == "en" else "zh"
        return JSONResponse(said_in({"errors": errors}, lang), status_code=422)

    app.openapi = lambda: openapi(app)  # type: ignore[method-assign]
    app.add_middleware(Guard, settings=settings, problem=problem)
    compiled.result()  # a pack that does not load raises RuleLoadError here
    return app


def problem_response(ctx: Context, scope: dict[str, Any], status: int, key: str, values: dict[str, Any]) -> Any:
    """A refusal or an error: JSON for the API, a page in the request's language otherwise."""
    from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
    from starlette.datastructures import QueryParams

    from advisor.web.guard import is_api
    from advisor.web.text import wt

    params = QueryParams(scope.get("query_string", b""))
    lang = page_lang(params)
    path = scope.get("path", "/")
    if status == 303:  # the pages' way of asking for the token
        target = path + ("?" + scope["query_string"].decode("latin-1") if scope.get("query_string") else "")
        return RedirectResponse(f"/login?lang={lang}&next={quote(target, safe='')}", status_code=303)
    message = wt(key, lang, **values) if values else wt(key, lang)
    if is_api(path):
        body = {"error": message, **{k: v for k, v in values.items() if k == "id"}}
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(body, status_code=status, headers=headers)
    html = ctx.templates.get_template("error.html.j2").render(
        **pages_globals(ctx, lang, path, params), message=message, status=status)
    return HTMLResponse(html, status_code=status)


def pages_globals(ctx: Context, lang: str, path: str, params: Any) -> dict[str, Any]:
    """What every page template gets (see ``advisor.web.view``)."""
    from advisor.web.view import View

    return {"v": View(ctx, lang, path, params)}


def openapi(app: Any) -> dict[str, Any]:
    """The OpenAPI description, with the schemas of the bodies the handlers read themselves."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        from advisor.web.schemas import components

        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)  # the pages are left out (include_in_schema=False)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(components())
        schema["components"]["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "Needed only when the server was started with --token or ADVISOR_TOKEN."}}
        app.openapi_schema = schema
    return app.openapi_schema
