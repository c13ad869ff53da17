"""The CLI's commands, one module each."""

from advisor.commands.advise import advise
from advisor.commands.memo import memo

COMMANDS = [advise, memo]
