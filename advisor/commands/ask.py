"""``advisor ask``: answer questions in a terminal (or through a pipe), get the recommendation."""

from __future__ import annotations

import click

from advisor.formats import FORMATS
from advisor.options import Choice, lang_option, rules_option


@click.command()
@click.option("--from", "from_file", metavar="FILE",
              help="Start from this profile (complete or a draft): its values become the defaults, so Enter keeps them.")
@click.option("--save", metavar="FILE",
              help="Write the answers to FILE as a profile (YAML) for 'advisor advise'. "
                   "Stopping early keeps a draft beside it (acme.draft.yaml for acme.yaml).")
@click.option("--format", "-f", "fmt", type=Choice(list(FORMATS), case_sensitive=False), default="table", show_default=True,
              help="Format of the recommendation printed at the end (as in 'advisor advise').")
@click.option("--memo", "memo_file", metavar="FILE", help="Also write the recommendation memo to FILE (.md Markdown, .html or .docx by its extension). On a terminal, the end of the session offers it.")
@click.option("--questionnaire", "questionnaire_file", metavar="FILE", default=None,
              help="Ask the questions in this questionnaire file instead of the bundled one.")
@lang_option
@rules_option
def ask(from_file: str | None, save: str | None, fmt: str, memo_file: str | None,
        questionnaire_file: str | None, lang: str, rules_dir: str | None) -> None:
    """Answer questions about the enterprise and get the recommendation.

    Type the number of a choice, its name (Chinese or English) or, for several, a list separated
    by commas, 、 or spaces; budgets as amounts such as 80万. '?' explains a question, '<' goes
    back. Without a terminal, answers are read from standard input, one per line (an empty line
    accepts the default).
    """
    from advisor.ask.run import run
    from advisor.console import check_dialogue

    check_dialogue(lang.lower())
    code = run(from_file=from_file, save=save, fmt=fmt, memo_file=memo_file,
               questionnaire_file=questionnaire_file, lang=lang.lower(), rules_dir=rules_dir)
    if code:
        raise click.exceptions.Exit(code)
