"""``advisor serve``: the web questionnaire and the HTTP API, on this machine by default."""

from __future__ import annotations

import click

from advisor.options import as_of_option, prices_option, rules_option


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default answers this machine only; 0.0.0.0 answers every network "
                   "interface (then set a token).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--token", envvar="ADVISOR_TOKEN", is_flag=False, flag_value="", default=None, metavar="TOKEN",
              help="Ask for this access token (API: 'Authorization: Bearer TOKEN'; pages: a login form). "
                   "--token alone makes a random one and prints it. Also read from ADVISOR_TOKEN.")
@click.option("--max-upload-mb", type=click.FloatRange(0.01, 1024), default=10, show_default=True,
              help="Largest client list accepted for batch scoring.")
@click.option("--max-rows", type=click.IntRange(1), default=10_000, show_default=True,
              help="Most records accepted in one batch.")
@rules_option
@prices_option
@as_of_option
def serve(host: str, port: int, token: str | None, max_upload_mb: float, max_rows: int, rules_dir: str | None,
          prices_file: str | None, as_of) -> None:
    """Serve the questionnaire, results, memos, batch scoring and the HTTP API (contract §4.4).

    Pages are in Chinese and English and load nothing from the internet. The API's OpenAPI
    description is at /openapi.json. --prices and --as-of apply to every page and API call (a
    request's own as_of, or the result page's date field, overrides --as-of).
    """
    import logging
    import secrets
    import sys

    from advisor.web.settings import Settings, allowed_hosts_for, is_all_interfaces, is_loopback

    from advisor.console import interface_lang
    from advisor.messages import frame

    ui = interface_lang()
    if token == "":
        token = secrets.token_urlsafe(24)
        click.echo(frame("access_token", ui, token=token), err=True)
    if not is_loopback(host):
        where = frame("listening_everywhere", ui) if is_all_interfaces(host) else host
        click.echo(frame("listening_warning", ui, where=where) + ("" if token else frame("listening_no_token", ui)),
                   err=True)
    settings = Settings(rules_dir=rules_dir, prices=prices_file, as_of=as_of, token=token or None, max_upload=int(max_upload_mb * (1 << 20)),
                        max_rows=max_rows, allowed_hosts=allowed_hosts_for(host))
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    run(settings, host, port)


def run(settings, host: str, port: int) -> None:  # type: ignore[no-untyped-def]
    """Build the app (the rule pack is compiled first: a broken pack stops here) and serve it.

    The listening socket is opened here, before uvicorn starts: an address that cannot be
    listened on (a port in use, an address not of this machine) is an ``AdvisorError`` (exit 2)
    that names the port and --port, not a log line of uvicorn's."""
    import uvicorn

    from advisor.console import interface_lang
    from advisor.messages import frame
    from advisor.web.app import create_app

    app = create_app(settings)
    sock = listen(host, port)
    config = uvicorn.Config(app, host=host, port=port, log_level="info", server_header=False, proxy_headers=False,
                            access_log=True, timeout_graceful_shutdown=5)
    with sock:
        click.echo(frame("serving", interface_lang(), url=url_of(host, port)), err=True)
        uvicorn.Server(config).run(sockets=[sock])


def url_of(host: str, port: int) -> str:
    """The address to open in a browser: ``http://127.0.0.1:8000/``."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def listen(host: str, port: int):  # type: ignore[no-untyped-def]
    """A socket bound to ``(host, port)``, listening; ``AdvisorError`` when it cannot be."""
    import errno
    import socket

    from advisor.errors import AdvisorError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: restart without waiting
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise AdvisorError(f"port {port} is in use on {host}; choose another with --port") from None
        raise AdvisorError(f"cannot listen on {host} port {port} ({exc.strerror or exc}); "
                           "check --host and --port") from None
    sock.set_inheritable(True)
    return sock
