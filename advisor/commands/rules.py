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
    from advisor.citations import cite
    from advisor.console import terminal_width
    from advisor.engine.loader import load_pack
    from advisor.formats.lines import table
    from advisor.ui_text import t

    pack = load_pack(rules_dir)
    rows = []
    for rule in pack.rules:
        text = rule.description.get(lang)
        if pattern and not any(pattern.casefold() in s.casefold() for s in (rule.id, rule.source, text)):
            continue
        rows.append([rule.id, pack.files[rule.id], cite(rule.source, lang), text])
    click.echo(table(rows, [t("rule", lang), t("file", lang), t("source", lang), t("because", lang)], terminal_width()))
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

    from advisor.console import interface_lang
    from advisor.messages import translate
    from advisor.ui_text import t

    lang = interface_lang()
    advisor = get_advisor(rules_dir)  # loads, checks and compiles: a broken pack stops here (exit 2)
    cases = load_cases(advisor.pack.path)
    failed = 0
    for loaded in cases:
        try:
            profile = parse_profile(loaded.case.profile, source=loaded.label)
            result = advisor.recommend(profile, "en", RunOptions(as_of=loaded.case.as_of)).model_dump(mode="json")
            failures = check_case(result, loaded.case.expect)
        except ProfileError as exc:
            failures = [exc.text(lang)]
        if failures:
            failed += 1
            click.echo(t("case_failed", lang, label=loaded.label))
            for failure in failures:
                click.echo(f"     - {translate(failure, lang)}")
        elif verbose:
            click.echo(t("case_passed", lang, label=loaded.label))
    click.echo(t("cases_summary", lang, name=advisor.pack.meta.name, version=advisor.pack.version,
                 rules=len(advisor.pack.rules), passed=len(cases) - failed, failed=failed))
    if failed:
        raise click.exceptions.Exit(1)
