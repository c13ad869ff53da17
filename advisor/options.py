"""Options shared by several commands, defined once."""

from __future__ import annotations

import click

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"  # the users read Chinese first; keep in step with advisor.pipeline


class Choice(click.Choice):
    """A choice matched without regard to case or width: ``JSON`` and ``ｊｓｏｎ`` (typed by a
    Chinese input method) are ``json`` (``advisor.vocabulary.narrow``)."""

    def __init__(self, choices, case_sensitive: bool = False) -> None:  # noqa: ANN001 (click's signature)
        super().__init__(choices, case_sensitive=case_sensitive)

    def convert(self, value, param, ctx):  # noqa: ANN001, ANN201 (click's signature)
        from advisor.vocabulary import narrow

        return super().convert(narrow(value) if isinstance(value, str) else value, param, ctx)


class _Lang(Choice):
    """``zh`` or ``en``, also as a language tag or locale name (``zh-CN``, ``en_US.UTF-8``, ``EN``, ``ＥＮ``)."""

    def __init__(self) -> None:
        super().__init__(LANGS, case_sensitive=False)

    def convert(self, value, param, ctx):  # noqa: ANN001, ANN201 (click's signature)
        from advisor.console import lang_tag
        from advisor.vocabulary import narrow

        return lang_tag(narrow(str(value))) or super().convert(value, param, ctx)


def _default_lang() -> str:
    from advisor.console import output_lang_default

    return output_lang_default()


lang_option = click.option(
    "--lang", type=_Lang(), default=_default_lang, show_default=False,
    help="Language of every text in the output (default: zh, or ADVISOR_LANG when it is set).",
)

class _PriceFile(click.Path):
    """An existing price file, read and checked on its own when the command starts
    (``advisor.costs.book.read_price_file``: ``PriceBookError``, exit 2, for a bad one), so a bad
    file stops the command before any work; the items are checked against the pack's price book
    when it is laid over it."""

    def __init__(self) -> None:
        super().__init__(exists=True, file_okay=True, dir_okay=False)

    def convert(self, value, param, ctx):  # noqa: ANN001, ANN201 (click's signature)
        path = super().convert(value, param, ctx)
        from advisor.costs.book import read_price_file

        read_price_file(path)
        return path


prices_option = click.option(
    "--prices", "prices_file", type=_PriceFile(), default=None,
    metavar="FILE", help="Prices of your own (the shape of rules/prices.yaml, only the items you change) "
                         "laid over the rule pack's price book.",
)

rules_option = click.option(
    "--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, dir_okay=True), default=None,
    metavar="DIR", help="Use the rule pack in DIR instead of the bundled one.",
)


class _AsOf(click.ParamType):
    """A date given as YYYY-MM-DD, from 1980-01-01 to 2107-12-31 (``advisor.clock``: the dates every
    output can carry); anything else is a usage error naming the option and the range."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):  # noqa: ANN001, ANN201 (click's signature)
        import datetime as dt

        from advisor.clock import check_day
        from advisor.compliance import parse_as_of
        from advisor.vocabulary import narrow

        try:
            if isinstance(value, dt.date):
                return check_day(value)
            return parse_as_of(narrow(str(value)))  # ２０２６－０１－０１ as an input method types it
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


as_of_option = click.option(
    "--as-of", "as_of", type=_AsOf(), default=None, metavar="YYYY-MM-DD",
    help="Evaluate the compliance checklist as the law stood on this date (default: today); what comes "
         "into force in the following 12 months is listed as upcoming.",
)
