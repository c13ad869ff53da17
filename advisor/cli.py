"""The ``advisor`` command line: one click group; each command lives in ``advisor/commands/``.

Only click and the error tree are imported here, so ``--help`` stays instant; each command
imports what it needs when it runs.
"""

from __future__ import annotations

import errno
import os
import signal

import click

from advisor import __version__
from advisor.errors import AdvisorError

# Commands that turn the cycle collector back on themselves (``advisor.collector``): ``advise``
# ends soon after its start-up, ``batch`` resumes it when the rows start.
PAUSED_COMMANDS = frozenset({"advise", "batch"})

EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it (128 + SIGINT)
EXIT_TERMINATED = 143  # SIGTERM (128 + SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is: it stops the run as Ctrl-C does (temporary files
    removed, a questionnaire draft kept, what happened said), then exits with status 143."""


class AdvisorGroup(click.Group):
    """Turns every ``AdvisorError`` into one clear message and the contract's exit status.

    Messages quote what the user gave (names, values, file names): control characters in them
    are shown as escapes, never sent to the terminal (``advisor.formats.escape.terminal_text``).
    They, the help and click's usage errors are in the interface language
    (``advisor.console.interface_lang``: ``--lang``, ``ADVISOR_LANG``, the locale, else Chinese).
    """

    def main(self, args=None, *rest, **kwargs):  # noqa: ANN001, ANN201 (click's signature)
        import sys

        from advisor.cli_text import install, localize
        from advisor.console import interface_lang, remember_lang

        words = list(sys.argv[1:] if args is None else args)
        remember_lang(lang_given(words))  # before click reads anything: its errors are in it too
        install()
        localize(self, interface_lang())
        return super().main(words, *rest, **kwargs)

    def resolve_command(self, ctx: click.Context, args: list[str]):  # noqa: ANN201 (click's signature)
        name, command, rest = super().resolve_command(ctx, args)
        if name not in PAUSED_COMMANDS:
            from advisor import collector

            collector.resume()
        return name, command, rest

    def make_context(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201 (click's signature)
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt as exc:  # while the words are read: click would say "Aborted!", exit 1
            raise click.exceptions.Exit(interrupted_status(exc)) from None

    def invoke(self, ctx: click.Context):
        # What the handlers need is imported in them: an interrupt while it was imported here
        # would reach click, which says "Aborted!" and exits 1.
        try:
            return super().invoke(ctx)
        except AdvisorError as exc:
            from advisor.console import interface_lang
            from advisor.formats.escape import terminal_text
            from advisor.messages import frame

            lang = interface_lang()
            click.echo(frame("error", lang, message=terminal_text(exc.text(lang))), err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt as exc:
            ctx.exit(interrupted_status(exc))
        except BrokenPipeError:  # the reader went away (`| head`): what it wanted, it has
            _drop_standard_output()
            ctx.exit(0)
        except click.ClickException as exc:
            from advisor.console import interface_lang
            from advisor.formats.escape import terminal_text
            from advisor.messages import translate

            exc.message = terminal_text(translate(exc.message, interface_lang()))
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
                return _internal_error(ctx, exc)
            from advisor.console import interface_lang
            from advisor.formats.escape import terminal_text
            from advisor.messages import frame

            _drop_standard_output()  # what could not be written is not retried at exit
            lang = interface_lang()
            name = terminal_text(exc.filename) if exc.filename else frame("standard_output", lang)
            click.echo(frame("no_space", lang, name=name), err=True)
            ctx.exit(2)
        except Exception as exc:
            return _internal_error(ctx, exc)


def interrupted_status(exc: KeyboardInterrupt) -> int:
    """The exit status of a run stopped by ``exc``: 143 for SIGTERM, 130 for Ctrl-C."""
    return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED


def _internal_error(ctx: click.Context, exc: Exception) -> None:
    """A bug: say so plainly; the traceback only on request."""
    from advisor.console import interface_lang
    from advisor.formats.escape import terminal_text
    from advisor.messages import frame

    if os.environ.get("ADVISOR_DEBUG"):
        raise exc
    click.echo(frame("internal", interface_lang(), kind=type(exc).__name__, message=terminal_text(exc)), err=True)
    ctx.exit(3)


def lang_given(words: list[str]) -> str | None:
    """The language a command line asks for with ``--lang X`` or ``--lang=X`` (``None``: not given)."""
    from advisor.console import lang_tag

    for n, word in enumerate(words):
        if word == "--":
            break
        if word == "--lang" and n + 1 < len(words):
            return lang_tag(words[n + 1])
        if word.startswith("--lang="):
            return lang_tag(word[7:])
    return None


def _drop_standard_output() -> None:
    from advisor.atomic import drop_standard_output

    drop_standard_output()


@click.group(cls=AdvisorGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="advisor")
def cli() -> None:
    """Recommend how an enterprise should adopt a large language model.

    Deployment mode, pricing model, model size and compliance checklist, each with the rules
    that led to it and their sources (the 2024 China LLM adoption survey, Chinese regulations).
    """


def _register() -> None:
    from advisor.commands import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)


_register()


def stop_on_sigterm() -> None:
    """Make SIGTERM stop the program as Ctrl-C does (``Terminated``), in this process only.

    Forked worker processes inherit the handler: there it ends the worker at once and quietly
    (the main process reports and cleans up). A second SIGTERM ends the program at once.
    """
    main_pid = os.getpid()

    def on_sigterm(signum: int, frame: object) -> None:
        if os.getpid() != main_pid:
            os._exit(128 + signum)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise Terminated()

    signal.signal(signal.SIGTERM, on_sigterm)


def main() -> None:
    """Run the command line (``advisor.__main__.main``, the console script, calls it).

    Ctrl-C or SIGTERM at any moment ends the run with status 130 or 143 and no traceback: the
    commands say what they leave behind; one stopped before a command started leaves nothing."""
    try:
        _main()
    except KeyboardInterrupt as exc:  # before click started, or after it ended
        raise SystemExit(interrupted_status(exc)) from None


def _main() -> None:
    from advisor import collector

    # pydantic looks for plugins among the entry points of every installed distribution the
    # first time it makes a validator: 5 ms here, more in a large environment, for plugins this
    # command line never uses. PYDANTIC_DISABLE_PLUGINS=0 (pydantic's own switch) loads them.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    collector.pause()  # start-up makes no cyclic garbage; each command resumes it (PAUSED_COMMANDS)
    from advisor.console import setup_streams

    setup_streams()  # output never fails for the console's code page; typed Chinese is read as typed
    stop_on_sigterm()
    cli(prog_name="advisor")
