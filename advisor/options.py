"""Options shared by several commands, defined once."""

from __future__ import annotations

import click

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"  # the users read Chinese first; keep in step with advisor.pipeline

lang_option = click.option(
    "--lang", type=click.Choice(LANGS, case_sensitive=False), default=DEFAULT_LANG, show_default=True,
    help="Language of every text in the output.",
)

prices_option = click.option(
    "--prices", "prices_file", type=click.Path(exists=True, file_okay=True, dir_okay=False), default=None,
    metavar="FILE", help="Prices of your own (the shape of rules/prices.yaml, only the items you change) "
                         "laid over the rule pack's price book.",
)

rules_option = click.option(
    "--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, dir_okay=True), default=None,
    metavar="DIR", help="Use the rule pack in DIR instead of the bundled one.",
)


class _AsOf(click.ParamType):
    """A date given as YYYY-MM-DD; anything else is a usage error naming the option."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):  # noqa: ANN001, ANN201 (click's signature)
        import datetime as dt

        if isinstance(value, dt.date):
            return value
        from advisor.compliance import parse_as_of

        try:
            return parse_as_of(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


as_of_option = click.option(
    "--as-of", "as_of", type=_AsOf(), default=None, metavar="YYYY-MM-DD",
    help="Evaluate the compliance checklist as the law stood on this date (default: today); what comes "
         "into force in the following 12 months is listed as upcoming.",
)
