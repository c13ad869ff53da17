"""One ``advisor ask`` run from start to end: load, ask, save, recommend, offer the memo."""

from __future__ import annotations

from typing import Any

from advisor.ask import present
from advisor.ask.profile_file import (
    Start,
    check_writable,
    draft_header,
    draft_path,
    load_start,
    profile_yaml,
    remove_stale_draft,
    saved_header,
    shell_word,
    write,
)
from advisor.ask.questionnaire import load_questionnaire
from advisor.ask.session import Console, Session, Stopped, TerminalConsole
from advisor.ask.text import msg

EXIT_INPUT_ENDED = 1  # the input ended before the last question: a script should notice
EXIT_BAD_ANSWER = 2  # without a terminal, a required answer missing or an answer not valid
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it


def run(*, from_file: str | None, save: str | None, fmt: str, memo_file: str | None,
        questionnaire_file: str | None, lang: str, rules_dir: str | None,
        console: Console | None = None) -> int:
    """Run the questionnaire and print the recommendation; return the exit status.

    Everything that can fail before the first question (questionnaire, rule pack, ``--from``,
    ``--save`` folder) is checked first, so no answer is typed in vain.
    """
    from advisor.formats import render
    from advisor.memo.writer import format_for_path
    from advisor.pipeline import get_advisor
    from advisor.errors import ProfileError
    from advisor.profile import parse_profile

    console = console or TerminalConsole()
    questionnaire = load_questionnaire(questionnaire_file)
    advisor = get_advisor(rules_dir)
    start = load_start(from_file) if from_file else Start()
    if save:
        check_save_path(save)
        check_writable(save)
    if memo_file:
        format_for_path(memo_file, format_option=False)  # a suffix no memo format has (x.pdf) is refused now, not after the answers
        check_writable(memo_file)  # its folder must exist, as for --save and memo -o

    console.say(present.wrap(msg("intro", lang), indent=""))
    if from_file:
        console.say(present.wrap(msg("from_file", lang, path=from_file), indent=""))
        for note in start.notes(lang):  # what an older draft gave that is no longer valid
            console.say(present.wrap(note, indent=""))
    session = Session(questionnaire, lang, start.values, from_file=bool(from_file),
                      thresholds=advisor.pack.thresholds)
    try:
        answers = session.run(console)
    except Stopped as stop:
        return _stopped(stop, save, lang)

    try:
        profile = parse_profile(answers, source=save or "answers")
    except ProfileError:  # each answer was checked, but another questionnaire may leave a gap
        if save:
            write(draft_path(save), profile_yaml(answers, draft_header(save, lang)))
        raise
    if save:
        write(save, profile_yaml(answers, saved_header(save, lang)))
        remove_stale_draft(save)
    recommendation = advisor.recommend(profile, lang)

    console.say(present.summary(list(questionnaire.questions), answers, lang))
    if save:
        console.say(msg("saved", lang, path=shell_word(save)))
    console.say("")
    from advisor.console import output_encoding

    console.say(render(recommendation, fmt, encoding=output_encoding()).rstrip("\n"))
    _memo(console, profile, recommendation, lang, rules_dir, memo_file)
    return 0


SAVE_SUFFIXES = ("", ".yaml", ".yml")  # the answers are saved as a YAML profile


def check_save_path(path: str) -> None:
    """Refuse, before the first question, a ``--save`` path that will not take the profile.

    The suffix must say YAML (or be absent); the file must be creatable (or writable, when it
    exists: it is opened for appending, which changes nothing) and a regular file. Raises
    ``SourceError`` naming the path and what to do.
    """
    import os
    import stat
    from pathlib import Path

    from advisor.errors import SourceError

    if path.endswith(("/", os.sep)):
        raise SourceError(f"{path}: is a folder name; give a file name such as {path}profile.yaml")
    suffix = Path(path).suffix.lower()
    if suffix not in SAVE_SUFFIXES:
        raise SourceError(f"{path}: the answers are saved as a YAML profile; name the file .yaml or .yml "
                          f"(not {suffix})")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise SourceError(f"{path}: cannot write: {exc.strerror}") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise SourceError(f"{path}: is a folder; give a file name")
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise SourceError(f"{path}: is not a regular file; give a file name for the profile")
    try:
        if info is None:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            os.unlink(path)
        else:
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND))
    except FileNotFoundError:
        raise SourceError(f"{path}: the folder {Path(path).parent} does not exist") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot write: {exc.strerror}") from None


def _stopped(stop: Stopped, save: str | None, lang: str) -> int:
    """Keep what was answered as a draft (with ``--save``) and say how to resume."""
    import click

    if stop.unanswered:
        from advisor.formats.escape import terminal_text

        click.echo(terminal_text(msg("stopped_bad_answer", lang, reason=stop.unanswered)), err=True)
    if save:
        draft = draft_path(save)
        write(draft, profile_yaml(stop.answers, draft_header(save, lang)))
        click.echo(msg("stopped_draft", lang, draft=shell_word(draft), save=shell_word(save)), err=True)
    else:
        click.echo(msg("stopped_unsaved", lang), err=True)
    if stop.unanswered:
        return EXIT_BAD_ANSWER
    return EXIT_INTERRUPTED if stop.interrupted else EXIT_INPUT_ENDED


def _memo(console: Console, profile: Any, recommendation: Any, lang: str, rules_dir: str | None,
          memo_file: str | None) -> None:
    """Write the memo to ``--memo FILE``; on a terminal without it, offer to write one."""
    from advisor.errors import RenderError
    from advisor.memo.namer import safe_stem
    from advisor.memo.writer import format_for_path, write_memo

    path, fmt = memo_file, format_for_path(memo_file, format_option=False) if memo_file else None
    if path is None and getattr(console, "interactive", False):  # a pipe is not asked: scripts use --memo
        example = safe_stem(profile.name) + ".md"
        while True:
            try:
                path = console.ask(msg("memo_offer", lang, example=example) + " > ").strip()
            except (EOFError, KeyboardInterrupt):
                path = ""
            if not path:
                break
            try:
                fmt = format_for_path(path, format_option=False)  # the suffix says the format: asked again when it says none
                break
            except RenderError as exc:
                console.say(exc.text(lang))
    if path:
        write_memo(recommendation, profile, fmt, lang, path, rules_dir=rules_dir)
        console.say(msg("memo_written", lang, path=path))
