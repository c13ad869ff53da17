"""The CLI's commands, one module each."""

from advisor.commands.advise import advise

COMMANDS = [advise]
