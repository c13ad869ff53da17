"""``advisor serve``: the web questionnaire, results, memos, batch scoring and the HTTP API.

``create_app(settings)`` (``advisor.web.app``) builds the ASGI application; nothing here is
imported by the other commands, so the command line starts as fast as before.

Layout: ``app`` (the application and its error responses), ``guard`` (what every request
passes: headers, host, origin, token, size limits, error ids), ``engine`` (the one thread that
runs the rules), ``api`` (contract §4.4), ``pages`` and ``templates/`` (the pages), ``form``
(the questionnaire in the page address), ``batch`` (uploads, summary and chart), ``view``
(presentation helpers), ``schemas`` (the OpenAPI bodies), ``problems`` (error details),
``settings``.
"""
