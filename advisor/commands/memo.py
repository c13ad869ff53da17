"""``advisor memo PROFILE``: a recommendation memo for a client, as Markdown, HTML or Word."""

from __future__ import annotations

import datetime as dt

import click

from advisor.memo import FORMATS
from advisor.options import Choice, as_of_option, lang_option, prices_option, rules_option


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    from advisor.clock import check_day

    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; use YYYY-MM-DD, e.g. 2025-03-01") from None
    try:
        return check_day(day, value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@click.argument("profile", metavar="PROFILE")
@click.option("--format", "-f", "fmt", type=Choice(FORMATS, case_sensitive=False), default=None,
              help="Default: from the suffix of --output (.md, .html, .docx), else markdown. markdown and html "
                   "print to standard output unless --output is given; docx needs --output.")
@click.option("--output", "-o", metavar="FILE", default=None, help="Write the memo to FILE ('-': standard output).")
@click.option("--template", metavar="FILE", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Your own Jinja2 template for markdown or html (it receives `memo`).")
@click.option("--date", "memo_date", metavar="YYYY-MM-DD", callback=_date, default=None,
              help="Date printed on the memo (default: today).")
@lang_option
@rules_option
@as_of_option
@prices_option
def memo(profile: str, fmt: str | None, output: str | None, template: str | None, memo_date: dt.date | None,
         lang: str, rules_dir: str | None, as_of: dt.date | None, prices_file: str | None) -> None:
    """Write a recommendation memo for PROFILE (a YAML or JSON file; '-' reads standard input)."""
    from advisor.memo.writer import format_for_path, memo_bytes, write_memo
    from advisor.sources.document import read_profile

    to_stdout = output in (None, "-")
    fmt = (fmt or "markdown") if to_stdout else format_for_path(output, fmt)  # x.docx is Word, x.html HTML
    if fmt == "docx" and to_stdout:
        raise click.UsageError("--format docx writes a Word file: give --output FILE.docx")
    if fmt == "docx" and template:
        raise click.UsageError("--template applies to the markdown and html formats, not docx")
    if not to_stdout:  # the memo must not replace the profile (or the template) it is made from, and
        # a folder that does not exist is a mistake (a typo), as for ask --save: not created
        from advisor.ask.profile_file import check_writable
        from advisor.sources.inputs import check_output

        check_output(output, [profile] + ([template] if template else []), "--output")
        check_writable(output)
    parsed = read_profile(profile)
    lang = lang.lower()
    if to_stdout:
        data = memo_bytes(None, parsed, fmt, lang, rules_dir=rules_dir, template=template, date=memo_date, as_of=as_of,
                          prices=prices_file)
        from advisor.console import check_shown

        text = data.decode("utf-8")
        check_shown(text, lang, ("-o FILE",), english_shows=False)
        click.echo(text, nl=False)
    else:
        write_memo(None, parsed, fmt, lang, output, rules_dir=rules_dir, template=template, date=memo_date, as_of=as_of,
                   prices=prices_file)
