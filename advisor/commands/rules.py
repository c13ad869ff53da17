"""``advisor rules``: look inside a rule pack, and run its test cases."""

from __future__ import annotations

import click

from advisor.options import lang_option, rules_option


@click.group()
def rules() -> None:
    """Inspect a rule pack (the bundled one, or --rules DIR) and run its test cases."""


@rules.command("list")
@rules_option
@lang_option
@click.option("--grep", "pattern", default=None, metavar="TEXT", help="Only rules whose id, source or description contains TEXT.")
def list_rules(rules_dir: str | None, lang: str, pattern: str | None) -> None:
    """List every rule: id, file, source and description."""
    from tabulate import tabulate

    from advisor.engine.loader import load_pack
    from advisor.ui_text import t

    pack = load_pack(rules_dir)
    rows = []
    for rule in pack.rules:
        text = rule.description.get(lang)
        if pattern and not any(pattern.casefold() in s.casefold() for s in (rule.id, rule.source, text)):
            continue
        rows.append([rule.id, pack.files[rule.id], rule.source, text])
    click.echo(tabulate(rows, headers=[t("rule", lang), t("file", lang), t("source", lang), t("because", lang)],
                        maxcolwidths=[24, 16, 12, 22], disable_numparse=True))
    click.echo(t("pack_summary", lang, name=pack.meta.name, version=pack.version, rules=len(pack.rules),
                 shown=len(rows)))


@rules.command("test")
@rules_option
@click.option("--verbose", "-v", is_flag=True, help="Also list the cases that pass.")
def test_rules(rules_dir: str | None, verbose: bool) -> None:
    """Load and compile the pack, then run its cases (cases/*.yaml beside the rules).

    Exit status 0 when every case passes, 1 when some fail, 2 when the pack does not load.
    """
    from advisor.assembly import RunOptions
    from advisor.engine.cases import check_case, load_cases
    from advisor.errors import ProfileError
    from advisor.pipeline import get_advisor
    from advisor.profile import parse_profile

    advisor = get_advisor(rules_dir)  # loads, checks and compiles: a broken pack stops here (exit 2)
    cases = load_cases(advisor.pack.path)
    failed = 0
    for loaded in cases:
        try:
            profile = parse_profile(loaded.case.profile, source=loaded.label)
            result = advisor.recommend(profile, "en", RunOptions(as_of=loaded.case.as_of)).model_dump(mode="json")
            failures = check_case(result, loaded.case.expect)
        except ProfileError as exc:
            failures = [str(exc)]
        if failures:
            failed += 1
            click.echo(f"FAIL {loaded.label}")
            for failure in failures:
                click.echo(f"     - {failure}")
        elif verbose:
            click.echo(f"ok   {loaded.label}")
    click.echo(f"{advisor.pack.meta.name} {advisor.pack.version}: {len(advisor.pack.rules)} rules; "
               f"{len(cases) - failed} passed, {failed} failed")
    if failed:
        raise click.exceptions.Exit(1)
