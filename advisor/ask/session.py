"""The question-and-answer loop: asks each question that applies, re-asks until the answer is valid.

It talks through a ``Console`` (a terminal, a pipe or a test) and returns the answers as a
profile mapping. Stopping part-way (Ctrl-C, end of input) raises ``Stopped`` carrying the
answers so far, so the caller can keep them as a draft.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Protocol

from advisor.ask import present
from advisor.ask.answers import interpret
from advisor.ask.fields import contract_default
from advisor.ask.questionnaire import Question, Questionnaire
from advisor.ask.text import msg


class Console(Protocol):
    """Where the questionnaire writes and reads."""

    def say(self, text: str) -> None:
        """Show ``text`` (a newline is added)."""

    def ask(self, prompt: str) -> str:
        """Show ``prompt`` and return the line typed; raise ``EOFError`` or ``KeyboardInterrupt`` to stop."""


class TerminalConsole:
    """Standard input and output: line editing on a terminal; piped answers echoed so the log reads well.

    What it shows holds the user's answers, a draft's values and a questionnaire's text: their
    control characters are shown as escapes (``formats.escape.terminal_text``), never sent to the
    terminal.
    """

    def __init__(self) -> None:
        self.interactive = sys.stdin.isatty()
        if self.interactive:  # line editing (arrows, backspace over Chinese) for input(), in any locale
            from advisor.console import line_editing

            line_editing()

    def say(self, text: str) -> None:
        """Write ``text`` to standard output."""
        import click

        from advisor.formats.escape import terminal_text

        click.echo(terminal_text(text))

    def ask(self, prompt: str) -> str:
        """Read one line; a terminal edits it, a pipe gives it as is (one answer per line)."""
        import click

        from advisor.formats.escape import terminal_text

        prompt = terminal_text(prompt)
        if self.interactive:
            try:
                return input(prompt)
            except (EOFError, KeyboardInterrupt):
                click.echo()  # leave the prompt line before saying goodbye
                raise
        click.echo(prompt, nl=False)
        line = sys.stdin.readline()
        if not line:
            click.echo()
            raise EOFError
        line = line.rstrip("\r\n")
        click.echo(terminal_text(line))
        return line


class Stopped(Exception):
    """The user stopped before the end; ``answers`` holds what is known so far."""

    def __init__(self, answers: dict[str, Any], interrupted: bool, unanswered: str | None = None) -> None:
        super().__init__("stopped")
        self.answers = answers
        self.interrupted = interrupted  # Ctrl-C, rather than the end of the input
        self.unanswered = unanswered  # without a terminal: why the question could not be answered


class _Unanswered(Exception):
    """Piped input gave a required question no answer, or an invalid one: asking again would
    read the next line of a script as this answer (``yes '' | advisor ask`` would never end)."""


_BACK = object()


@dataclass
class Session:
    """One run of the questionnaire.

    ``start`` holds the starting answers (from ``--from``); with ``from_file`` the fields it leaves
    out have the contract's defaults, as they do in the file, otherwise the questions' own.
    ``thresholds`` (the rule pack's) are shown in the help of questions that name a table.
    """

    questionnaire: Questionnaire
    lang: str
    start: dict[str, Any] = field(default_factory=dict)
    from_file: bool = False
    thresholds: Any = None

    def default(self, question: Question, answers: dict[str, Any]) -> Any:
        """What Enter gives: the current answer, else the default (``None``: there is none)."""
        if question.field in answers:
            return answers[question.field]
        if not self.from_file and question.default is not None:
            return question.default
        return contract_default(question.field)

    def run(self, console: Console) -> dict[str, Any]:
        """Ask every question that applies; return the answers (fields without a value are left out)."""
        answers = dict(self.start)
        questions = self.questionnaire.questions
        asked: list[int] = []  # the questions asked so far, for going back
        index = 0
        while index < len(questions):
            question = questions[index]
            if not question.applies(answers):
                # Not asked: the field is as the starting profile had it (an answer given before
                # going back and changing an earlier one no longer applies).
                if question.field in self.start:
                    answers[question.field] = self.start[question.field]
                else:
                    answers.pop(question.field, None)
                index += 1
                continue
            try:
                value = self.ask(question, index + 1, answers, console, first=not asked)
            except (EOFError, KeyboardInterrupt) as exc:
                raise Stopped(answers, isinstance(exc, KeyboardInterrupt)) from None
            except _Unanswered as exc:
                raise Stopped(answers, False, str(exc)) from None
            if value is _BACK:
                index = asked.pop()
                continue
            if value is None:
                answers.pop(question.field, None)
            else:
                answers[question.field] = value
            asked.append(index)
            index += 1
        return answers

    def ask(self, question: Question, number: int, answers: dict[str, Any], console: Console, first: bool) -> Any:
        """Ask ``question`` until it gets a valid answer; ``None`` leaves the field empty.

        A console that is not a terminal (``interactive`` false: a pipe, a script) is not asked
        again: a required question left empty, or an invalid answer, raises ``_Unanswered``
        naming the question and why."""
        lang = self.lang
        default = self.default(question, answers)
        again = getattr(console, "interactive", True)
        total = len(self.questionnaire.questions)
        console.say(present.question_block(question, number, len(self.questionnaire.questions), lang))
        while True:
            reply = interpret(question, console.ask(present.prompt_line(question, default, lang)))
            if reply.kind in ("value", "clear"):
                return reply.value
            if reply.kind == "default":
                if default is not None or question.empty is not None:
                    return default
                if not again:
                    raise _Unanswered(msg("unanswered", lang, question=present.question_name(question, number, total, lang)))
                console.say(msg("required", lang))
            elif reply.kind == "help":
                console.say(present.help_block(question, lang, self.thresholds))
            elif reply.kind == "back":
                if not first:
                    return _BACK
                console.say(msg("first_question", lang))
            else:
                if not again:
                    raise _Unanswered(msg("invalid_piped", lang, question=present.question_name(question, number, total, lang),
                                          problem=present.invalid(question, reply.bad, lang, wrapped=False)))
                console.say(present.invalid(question, reply.bad, lang))
