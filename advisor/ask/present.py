"""How questions, help, answers and the summary look on the screen (pure: data in, text out)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

from advisor.ask.questionnaire import Question
from advisor.citations import cite
from advisor.ask.text import msg
from advisor.profile import MAX_COUNT, MAX_EMPLOYEES
from advisor.vocabulary import vocabulary

def _screen() -> int:
    """Columns for the questionnaire: the terminal's (``COLUMNS``), less a margin."""
    from advisor.console import terminal_width

    return terminal_width() - 2


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal (a Chinese character takes two)."""
    from advisor.formats.lines import width

    return width(text)


def wrap(text: str, indent: str = "  ", width: int | None = None) -> str:
    """Fold ``text`` to the terminal's width where Unicode's line-breaking rules allow: between
    Chinese characters or words, never before closing punctuation nor inside a number
    (``advisor.formats.lines``)."""
    from advisor.formats.lines import wrap as fold

    limit = (width or _screen()) - _width(indent)
    return "\n".join((indent + line).rstrip() for line in fold(text, limit))


def value_label(question: Question, value: Any, lang: str) -> str:
    """One value of the question's field as the user reads it (``金融``, ``是``, ``每年 800万元``)."""
    if isinstance(value, bool):
        return msg("answer_yes" if value else "answer_no", lang)
    if isinstance(value, (int, Decimal)):  # an amount may have fen: Decimal("499999.99")
        return msg("amount", lang, amount=_amount(value, lang)) if question.kind == "budget" else str(value)
    enum = vocabulary().fields[question.field].values
    if enum and isinstance(value, str):
        return vocabulary().label(enum, value, lang)
    return str(value)


def answer_text(question: Question, value: Any, lang: str) -> str:
    """A whole answer (a list joined) as the user reads it."""
    if isinstance(value, list):
        return msg("list_sep", lang).join(value_label(question, v, lang) for v in value) or msg("none", lang)
    return value_label(question, value, lang)


def _amount(value: int | Decimal, lang: str) -> str:
    """``8000000`` as ``800万`` in Chinese (the contract's number units), ``8,000,000`` in English."""
    if lang == "zh":
        for unit, size in sorted(vocabulary().units.items(), key=lambda u: -u[1]):
            if value >= size and value % max(size // 100, 1) == 0:  # at most two decimals
                return f"{value / size:g}{unit}"
    return f"{value:,}"


def _choice_lines(question: Question, lang: str) -> list[str]:
    if not question.choices:
        return []
    pad = len(str(len(question.choices)))
    labels = [f"{n:>{pad}}. {value_label(question, c.value, lang)}" for n, c in enumerate(question.choices, start=1)]
    if any(c.note for c in question.choices):
        return [f"  {label} — {c.note.get(lang)}" if c.note else f"  {label}" for label, c in zip(labels, question.choices)]
    column = max(_width(label) for label in labels) + 3
    per_row = max(1, _screen() // column)
    rows = []
    for start in range(0, len(labels), per_row):
        cells = labels[start : start + per_row]
        rows.append("  " + "".join(c + " " * (column - _width(c)) for c in cells[:-1]) + cells[-1])
    return rows


def _own(prefix: str, question: Question) -> str:
    """The message ``prefix_FIELD`` when the field has one of its own, else ``prefix_KIND``."""
    key = f"{prefix}_{question.field}"
    return key if key in msg.entries else f"{prefix}_{question.kind}"


def hint(question: Question, lang: str) -> str:
    """How to answer: by number, name, several, or what an empty answer means."""
    parts = [msg(_own("how", question), lang)]
    if question.empty is not None:
        parts.append(msg("how_empty", lang, meaning=question.empty.get(lang)))
    parts.append(msg("how_help", lang))
    return msg("hint_sep", lang).join(parts)


def question_block(question: Question, number: int, total: int, lang: str) -> str:
    """The question as shown: counter, field name, prompt, numbered choices, how to answer."""
    name = getattr(vocabulary().fields[question.field], lang)
    lines = ["", wrap(f"[{number}/{total}] {name} · {question.prompt.get(lang)}", indent="")]
    lines += _choice_lines(question, lang)
    lines.append(wrap(f"({hint(question, lang)})"))
    return "\n".join(lines)


def prompt_line(question: Question, default: Any, lang: str) -> str:
    """The input line: shows what Enter gives."""
    if default is None:
        return "> "
    return f"[{msg('enter_keeps', lang, value=answer_text(question, default, lang))}] > "


def help_block(question: Question, lang: str, thresholds: Any = None) -> str:
    """The help text; with the rule pack's bands when the question names a threshold table."""
    lines = [wrap(question.help_text(lang, msg("skip", lang)))]
    table = getattr(thresholds, question.thresholds, None) if question.thresholds and thresholds else None
    if table is not None:
        name = getattr(vocabulary().fields[question.field], lang)
        enum = vocabulary().fields[question.thresholds].values
        lines.append(wrap(msg("bands", lang, source=cite(table.source, lang))))
        low = None
        for band in table.bands:
            if band.label:  # the pack's own wording says the range
                lines.append("    - " + band.label.get(lang))
            else:
                key = "band_below" if band.below is not None else "band_open"
                label = vocabulary().label(enum, band.value, lang)
                lines.append("    - " + msg(key, lang, label=label, name=name, below=band.below, low=low))
            low = band.below
        if table.note:
            lines.append(wrap(table.note.get(lang)))
    return "\n".join(lines)


def invalid(question: Question, text: str, lang: str, wrapped: bool = True) -> str:
    """Why ``text`` is not an answer, and what is allowed (wrapped to the terminal unless not ``wrapped``)."""
    labels = msg("list_sep", lang).join(value_label(question, c.value, lang) for c in question.choices)
    said = msg(_own("invalid", question), lang, text=text, n=len(question.choices), labels=labels,
               max=MAX_EMPLOYEES, max_count=MAX_COUNT)
    return wrap(said, indent="") if wrapped else said


def question_name(question: Question, number: int, total: int, lang: str) -> str:
    """The question as a message names it: ``[3/25] 员工人数（employees）``."""
    name = getattr(vocabulary().fields[question.field], lang)
    return f"[{number}/{total}] {name}" + (f"（{question.field}）" if lang == "zh" else f" ({question.field})")


def summary(questions: list[Question], state: Mapping[str, Any], lang: str) -> str:
    """The answers, one per line, in the contract's field order (as in the saved profile)."""
    by_field = {q.field: q for q in questions}
    rows = [(getattr(spec, lang), answer_text(by_field[name], state[name], lang))
            for name, spec in vocabulary().fields.items() if name in state and name in by_field]
    width = max(_width(name) for name, _ in rows)
    sep = "：" if lang == "zh" else ": "
    title = msg("summary", lang)
    lines = ["", title, "=" * _width(title)]
    lines += [name + " " * (width - _width(name)) + sep + value for name, value in rows]
    return "\n".join(lines)
