"""``advisor explain PROFILE``: why this recommendation, and why not the others."""

from __future__ import annotations

import click

from advisor.options import Choice, as_of_option, lang_option, rules_option


@click.command()
@click.argument("profile", metavar="PROFILE")
@click.option("--format", "-f", "fmt", type=Choice(["table", "json", "markdown"], case_sensitive=False), default="table",
              show_default=True, help="Output format.")
@lang_option
@rules_option
@as_of_option
def explain(profile: str, fmt: str, lang: str, rules_dir: str | None, as_of) -> None:
    """Why PROFILE gets its recommendation: for every mode, its score and the rules that scored or
    ruled it out, and for every such rule that did not fire, the test that failed (field, test,
    the profile's value); the same for compliance items, conflicts and derived facts.

    \b
    advisor explain bank.yaml
    advisor explain bank.yaml --format json --lang en
    """
    from advisor.analysis.explain import explain as explain_profile
    from advisor.assembly import RunOptions
    from advisor.pipeline import get_advisor
    from advisor.sources.document import read_profile

    lang = lang.lower()
    parsed = read_profile(profile)
    data = explain_profile(get_advisor(rules_dir), parsed, lang, RunOptions(as_of=as_of))
    if fmt == "json":
        import json

        from advisor.console import output_encoding
        from advisor.formats.escape import json_for, json_text

        click.echo(json_for(json_text(json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)), output_encoding()))
        return
    from advisor.analysis.explain_render import render_markdown, render_table
    from advisor.formats.escape import terminal_text

    # The profile's name and a pack's text are the user's: their control characters are shown as escapes.
    from advisor.console import check_shown, terminal_width

    text = terminal_text(render_table(data, terminal_width()) if fmt == "table" else render_markdown(data))
    check_shown(text, lang.lower(), ("-f json",), english_shows=False)
    click.echo(text, nl=False)
