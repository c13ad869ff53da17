"""The ``advisor`` command line: one click group; each command lives in ``advisor/commands/``.

Only click and the error tree are imported here, so ``--help`` stays instant; each command
imports what it needs when it runs.
"""

from __future__ import annotations

import os
import sys

import click

from advisor import __version__
from advisor.errors import AdvisorError


class AdvisorGroup(click.Group):
    """Turns every ``AdvisorError`` into one clear message and the contract's exit status."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AdvisorError as exc:
            click.echo(f"advisor: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (KeyboardInterrupt, BrokenPipeError):
            ctx.exit(130 if sys.exc_info()[0] is KeyboardInterrupt else 0)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so plainly; the traceback only on request
            if os.environ.get("ADVISOR_DEBUG"):
                raise
            click.echo(f"advisor: internal error: {type(exc).__name__}: {exc}\n"
                       "  (set ADVISOR_DEBUG=1 to see the traceback, and please report it)", err=True)
            ctx.exit(3)


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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="advisor")
