"""Python's cycle collector, paused while a command starts (the console entry point only).

Starting a command imports a few hundred modules and builds their classes, models and tables:
a few hundred thousand objects that live until the process ends, and hardly any cyclic garbage.
The cycle collector, run every 700 new objects, walked them again and again: about 11 ms of CPU
of a 250 ms ``advisor advise``. ``pause`` turns it off (``advisor.cli.main`` does, before
anything is imported); ``resume`` turns it back on, with the objects made so far out of its
sight for good (``gc.freeze``), once a command is past its start-up: every command but
``advise``, which ends a few milliseconds later, resumes at once or when it starts its real
work (``batch``). The library never pauses anything: a program that imports advisor keeps its
collector as it set it.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Turn the cycle collector off until ``resume`` (nothing when it is off already)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Turn the collector on again if ``pause`` turned it off, the objects made since out of its
    sight (``gc.freeze``); nothing otherwise."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
