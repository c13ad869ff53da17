"""``advisor advise PROFILE``: one profile, one recommendation."""

from __future__ import annotations

import click

from advisor.formats import FORMATS
from advisor.options import Choice, as_of_option, lang_option, prices_option, rules_option


@click.command()
@click.argument("profile", metavar="PROFILE")
@click.option("--format", "-f", "fmt", type=Choice(list(FORMATS), case_sensitive=False), default="table", show_default=True,
              help="Output format (json is contract §3).")
@lang_option
@rules_option
@as_of_option
@prices_option
def advise(profile: str, fmt: str, lang: str, rules_dir: str | None, as_of, prices_file: str | None) -> None:
    """Recommend for one PROFILE (a YAML or JSON file; '-' reads standard input)."""
    from advisor.assembly import RunOptions
    from advisor.formats import render
    from advisor.pipeline import get_advisor
    from advisor.sources.document import read_profile

    parsed = read_profile(profile)
    recommendation = get_advisor(rules_dir).recommend(parsed, lang.lower(), RunOptions(as_of=as_of, prices=prices_file))
    from advisor.console import check_shown, output_encoding

    text = render(recommendation, fmt, encoding=output_encoding())  # json and yaml: escapes for what it lacks
    check_shown(text, lang.lower(), ("-f json", "-f yaml"), english_shows=False)
    click.echo(text, nl=False)
