"""``advisor whatif PROFILE --set FIELD=VALUE``: what changes in the recommendation if an answer changes."""

from __future__ import annotations

from typing import Any

import click

from advisor.options import Choice, as_of_option, lang_option, prices_option, rules_option


def _pairs(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    """The changes, by the key as given; one field changed twice (``privacy=高`` and ``隐私要求=中``)
    is a usage error, as a profile giving a field twice is."""
    from advisor.whatif import field_name

    changes: dict[str, str] = {}
    given: dict[str, str] = {}  # field -> the --set that changed it
    for text in values:
        # the first = or ＝ (an input method's full-width equals sign) ends the field's name
        cut = min((i for i in (text.find("="), text.find("＝")) if i >= 0), default=-1)
        field, sep, value = (text[:cut], text[cut], text[cut + 1:]) if cut >= 0 else (text, "", "")
        if not sep or not field.strip():
            raise click.BadParameter(f"'{text}' is not FIELD=VALUE, e.g. --set privacy=high or --set 预算=800万")
        name = field_name(field.strip()) or field.strip()
        if name in given:
            raise click.BadParameter(f"'{given[name]}' and '{text}' both change field '{name}'; keep one")
        given[name] = text
        changes[field.strip()] = value
    return changes


@click.command()
@click.argument("profile", metavar="PROFILE")
@click.option("--set", "changes", metavar="FIELD=VALUE", multiple=True, required=True, callback=_pairs,
              help="An answer to change, as in a profile (Chinese labels and 万/亿 allowed; an empty VALUE "
                   "makes the field absent). Repeat for several.")
@click.option("--format", "-f", "fmt", type=Choice(["table", "json"], case_sensitive=False), default="table", show_default=True,
              help="table: only what changes; json: {before, after, diff} with both full recommendations.")
@lang_option
@rules_option
@as_of_option
@prices_option
def whatif(profile: str, changes: dict[str, str], fmt: str, lang: str, rules_dir: str | None, as_of,
           prices_file: str | None) -> None:
    """What changes in the recommendation for PROFILE if some answers change.

    \b
    advisor whatif bank.yaml --set privacy=high
    advisor whatif bank.yaml --set 预算=800万 --set 技术团队=较强
    """
    import json

    from advisor.sources.document import read_profile
    from advisor.whatif import apply_changes, compare

    lang = lang.lower()
    before = read_profile(profile)
    after = apply_changes(before, changes)
    result = compare(before, after, rules=rules_dir, lang=lang, as_of=as_of, prices=prices_file)
    from advisor.console import check_shown, output_encoding
    from advisor.formats.escape import json_for, json_text, terminal_text

    if fmt == "json":
        click.echo(json_for(json_text(json.dumps(result, ensure_ascii=False, indent=2, allow_nan=False)), output_encoding()))
    else:  # the profile's name and a pack's text are the user's: control characters shown as escapes
        text = terminal_text(render_table(result, before, after, lang))
        check_shown(text, lang, ("-f json",))
        click.echo(text)


def render_table(result: dict[str, Any], before: Any, after: Any, lang: str) -> str:
    """The changed answers, the mode before and after, and a table of every value that changed."""
    from advisor.console import terminal_width
    from advisor.formats.lines import table
    from advisor.whatif import changed_fields, describe, field_label, overridden
    from advisor.whatif_text import wt

    said = [wt("change", lang, field=field_label(name, lang), before=describe(old, lang, name),
               after=describe(new, lang, name)) for name, old, new in changed_fields(before, after)]
    lines = [wt("if_changed", lang, changes=wt("change_sep", lang).join(said)) if said else wt("same_answers", lang)]
    old, new = result["before"]["deployment"], result["after"]["deployment"]
    if old["mode"] == new["mode"]:
        lines.append(wt("mode_stays", lang, mode=f"{new['label']} ({new['mode']})"))
    else:
        lines.append(wt("mode_changes", lang, before=f"{old['label']} ({old['mode']})",
                        after=f"{new['label']} ({new['mode']})"))
    for name, by, purpose in overridden(before, after):
        lines.append(wt("overridden", lang, field=field_label(name, lang), purpose=purpose[lang],
                        by=field_label(by, lang), value=describe(getattr(after, by), lang, by)))
    lines.append("")
    if not result["diff"]:
        lines.append(wt("no_change", lang))
        return "\n".join(lines)
    lines.append(wt("changes", lang, count=len(result["diff"])))
    rows = [[d["path"], describe(d["before"], lang), describe(d["after"], lang)] for d in result["diff"]]
    lines.append(table(rows, [wt("col_path", lang), wt("col_before", lang), wt("col_after", lang)], terminal_width()))
    return "\n".join(lines)
