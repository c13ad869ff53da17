"""``advisor rules``: look inside a rule pack, run its cases and invariants, lint it, measure coverage."""

from __future__ import annotations

import click

from advisor.options import Choice, lang_option, rules_option


def _echo(text: str, err: bool = False) -> None:
    """Print ``text``: a pack's own text (ids, descriptions, sources, case labels, file names) is
    whatever its author wrote, and its control characters are shown as escapes, never sent to
    the terminal. A console that cannot show standard output's text (Chinese on ``latin-1``)
    gets an error instead (``advisor.console.check_shown``, naming the command's ``-f json``)."""
    from advisor.console import check_shown
    from advisor.formats.escape import terminal_text

    text = terminal_text(text)
    if not err:
        params = click.get_current_context().params
        check_shown(text, str(params.get("lang", "")).lower(), ("-f json",) if "fmt" in params else (),
                    english_shows=click.get_current_context().info_name != "list")  # sources cite Chinese titles
    click.echo(text, err=err)


def _echo_json(text: str) -> None:
    """Print JSON with no raw control character in its strings, and each character the console
    lacks as its escape (``advisor.formats.escape.json_for``)."""
    from advisor.console import output_encoding
    from advisor.formats.escape import json_for, json_text

    click.echo(json_for(json_text(text), output_encoding()))


@click.group()
def rules() -> None:
    """Inspect a rule pack (the bundled one, or --rules DIR): list, test, lint, coverage."""


@rules.command("list")
@rules_option
@lang_option
@click.option("--grep", "pattern", default=None, metavar="TEXT", help="Only rules whose id, source or description contains TEXT.")
@click.option("--format", "-f", "fmt", type=Choice(["table", "json"], case_sensitive=False), default="table", show_default=True,
              help="json: a list of {id, file, source, description} for scripts.")
def list_rules(rules_dir: str | None, lang: str, pattern: str | None, fmt: str) -> None:
    """List every rule: id, file, source and description."""
    from advisor.citations import cite
    from advisor.console import terminal_width
    from advisor.engine.loader import load_pack
    from advisor.formats.escape import terminal_text
    from advisor.formats.lines import table
    from advisor.ui_text import t
    from advisor.vocabulary import fold

    lang = lang.lower()
    pack = load_pack(rules_dir)
    rows = []
    for rule in pack.rules:
        text = rule.description.get(lang)
        if pattern and not any(fold(pattern) in fold(s) for s in (rule.id, rule.source, text)):  # ＤＥＰ is DEP
            continue
        rows.append([rule.id, pack.files[rule.id], rule.source, text])
    if fmt == "json":
        import json

        _echo_json(json.dumps([dict(zip(("id", "file", "source", "description"), row)) for row in rows],
                              ensure_ascii=False, indent=2, allow_nan=False))
        return
    rows = [[terminal_text(cell) for cell in (rid, name, cite(source, lang), text)] for rid, name, source, text in rows]
    from advisor.formats.lines import wrap

    width = terminal_width()
    _echo(table(rows, [t("rule", lang), t("file", lang), t("source", lang), t("because", lang)], width))
    _echo("\n".join(wrap(t("pack_summary", lang, name=pack.meta.name, version=pack.version,
                            rules=len(pack.rules), shown=len(rows)), width)))


@rules.command("test")
@rules_option
@lang_option
@click.option("--verbose", "-v", is_flag=True, help="Also list the cases that pass.")
def test_rules(rules_dir: str | None, lang: str, verbose: bool) -> None:
    """Load and compile the pack, run its cases (cases/*.yaml beside the rules), then check its
    invariants over their grid (invariants: in the pack, e.g. invariants.yaml).

    Exit status 0 when every case passes and every invariant holds, 1 when not, 2 when the
    pack, its cases or its invariants do not load.
    """
    from advisor.analysis.coverage import run_cases
    from advisor.analysis.explain import at
    from advisor.errors import RuleLoadError
    from advisor.messages import translate
    from advisor.pipeline import get_advisor
    from advisor.ui_text import t

    lang = lang.lower()
    advisor = get_advisor(rules_dir)  # loads, checks and compiles: a broken pack stops here (exit 2)
    pack = advisor.pack
    runs = run_cases(advisor)
    failed = 0
    for run in runs:
        if run.failures:
            failed += 1
            _echo(t("case_failed", lang, label=run.case.label))
            for failure in run.failures:
                _echo(f"     - {translate(failure, lang)}")
        elif verbose:
            _echo(t("case_passed", lang, label=run.case.label))
    _echo(at("test_summary", lang, name=pack.meta.name, version=pack.version, rules=len(pack.rules),
                  passed=len(runs) - failed, failed=failed))

    from advisor.analysis.invariants import Checker, grid_fields, invariant_problems
    from advisor.assembly import RunOptions

    problems = invariant_problems(pack)
    if problems:
        raise RuleLoadError(problems, pack.path)
    violated = 0
    if not pack.invariants:
        _echo(at("invariants_none", lang))
    else:
        count, results = Checker(advisor, RunOptions()).run()
        for result in results:
            inv = result.invariant
            if result.violated:
                violated += 1
                _echo(at("invariant_violated", lang, id=inv.id, applied=f"{result.applied:,}",
                              violated=f"{result.violated:,}", text=inv.description.get(lang)))
                _echo(at("invariant_example", lang, profile=_flow(result.example)))
                _echo(at("invariant_outcome", lang, outcomes=_flow(result.outcomes)))
            elif verbose:
                _echo(at("invariant_ok", lang, id=inv.id, applied=f"{result.applied:,}"))
        _echo(at("invariants_summary", lang, count=len(results), profiles=f"{count:,}", violated=violated,
                      fields=", ".join(grid_fields(pack))))
    if failed or violated:
        raise click.exceptions.Exit(1)


def _flow(data: object) -> str:
    """A mapping on one line, as YAML flow (a profile ready to paste into a file)."""
    import yaml

    return yaml.safe_dump(data, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**6).strip()


@rules.command("lint")
@rules_option
@lang_option
@click.option("--format", "-f", "fmt", type=Choice(["text", "json"], case_sensitive=False), default="text", show_default=True)
def lint_rules(rules_dir: str | None, lang: str, fmt: str) -> None:
    """Find what in the pack is dead, idle, contradictory or unsourced: rules no profile can fire
    (checked over every combination of the values their tests tell apart), rules whose firing
    never changes the output, derived facts no rule uses, model-size ranges that contradict each
    other, text missing in zh or en, a rule without a source, weights not labelled 'project
    assumption'. Each finding names the file and the rule.

    Exit status 0 when there is no finding, 1 when there is, 2 when the pack does not load.
    """
    from advisor.analysis.explain import at
    from advisor.analysis.lint import lint
    from advisor.engine.loader import load_pack

    lang = lang.lower()
    pack = load_pack(rules_dir)
    found, skipped = lint(pack)
    if fmt == "json":
        import json

        _echo_json(json.dumps({"pack": pack.meta.name, "version": pack.version, "rules": len(pack.rules),
                               "findings": [f.data(lang) for f in found], "skipped": [f.data(lang) for f in skipped]},
                              ensure_ascii=False, indent=2, allow_nan=False))
    else:
        for finding in found:
            _echo(finding.line(lang))
        for finding in skipped:
            _echo(finding.line(lang), err=True)
        key = "lint_found" if found else "lint_clean"
        summary = at(key, lang, name=pack.meta.name, version=pack.version, rules=len(pack.rules), count=len(found))
        if skipped:
            summary += at("lint_skipped_count", lang, count=len(skipped))
        _echo(summary)
    if found:
        raise click.exceptions.Exit(1)


def _a_number(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """``--min nan`` would pass every gate (nothing compares below NaN): a usage error."""
    if value is not None and value != value:
        raise click.BadParameter("'nan' is not a number; give a percentage from 0 to 100")
    return value


@rules.command("coverage")
@rules_option
@lang_option
@click.option("--min", "minimum", type=click.FloatRange(0, 100), default=None, metavar="PERCENT", callback=_a_number,
              help="Exit 1 when the pack's cases fire less than PERCENT of its rules.")
@click.option("--format", "-f", "fmt", type=Choice(["text", "json"], case_sensitive=False), default="text", show_default=True)
def coverage_rules(rules_dir: str | None, lang: str, minimum: float | None, fmt: str) -> None:
    """The share of the pack's rules its cases fire (cases/*.yaml beside the rules), file by
    file, and the rules no case fires.

    Exit status 1 when below --min PERCENT, 2 when the pack or its cases do not load.
    """
    from advisor.analysis.coverage import coverage, run_cases
    from advisor.analysis.explain import at
    from advisor.pipeline import get_advisor

    lang = lang.lower()
    advisor = get_advisor(rules_dir)
    pack = advisor.pack
    runs = run_cases(advisor)
    cov = coverage(advisor, runs)
    percent = f"{cov.percent:.1f}".rstrip("0").rstrip(".")
    if fmt == "json":
        import json

        _echo_json(json.dumps({"pack": pack.meta.name, "version": pack.version, "cases": cov.cases,
                               "rules": cov.total, "fired": len(cov.fired), "percent": round(cov.percent, 2),
                               "files": [{"file": f, "fired": n, "rules": total} for f, n, total in cov.by_file],
                               "never_fired": [{"file": f, "rule": r} for f, r in cov.never]},
                              ensure_ascii=False, indent=2, allow_nan=False))
    else:
        _echo(at("coverage_line", lang, name=pack.meta.name, version=pack.version, cases=cov.cases,
                      fired=len(cov.fired), rules=cov.total, percent=percent))
        for name, fired, total in cov.by_file:
            _echo(at("coverage_file", lang, file=name, fired=fired, rules=total))
        if cov.never:
            _echo(at("coverage_never", lang))
            for name, rule in cov.never:
                _echo(at("coverage_never_rule", lang, file=name, rule=rule))
        failing = sum(1 for run in runs if run.failures)
        if failing:
            _echo(at("coverage_failing", lang, count=failing), err=True)
    if minimum is not None and cov.percent < minimum:
        _echo(at("coverage_below", lang, percent=percent, min=f"{minimum:g}"), err=True)
        raise click.exceptions.Exit(1)
