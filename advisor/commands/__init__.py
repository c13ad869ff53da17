"""The CLI's commands, one module each."""

from advisor.commands.advise import advise
from advisor.commands.ask import ask
from advisor.commands.batch import batch
from advisor.commands.explain import explain
from advisor.commands.memo import memo
from advisor.commands.rules import rules
from advisor.commands.serve import serve
from advisor.commands.whatif import whatif

COMMANDS = [advise, ask, memo, batch, rules, whatif, explain, serve]
