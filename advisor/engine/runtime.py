"""The only module that imports durable-rules: register a compiled pack, evaluate one profile.

Behaviour of durable-rules 2.0.28 handled here:
* the host's background timer threads are disabled (they sometimes ran actions asynchronously);
* each evaluation has its own session id and its state is always deleted (1,024 live sessions max);
* "no rule matched" is an exception, and so is nothing to worry about;
* exceptions inside actions are swallowed into the state: they are checked and raised;
* ``set_rulesets`` mutates its argument, so it gets a deep copy.
Not thread-safe (durable-rules is not): use one process per worker.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any, Callable

import durable.engine as durable

from advisor.engine.compiler import CompiledPack, profile_fact
from advisor.errors import EngineError


class _QuietHost(durable.Host):
    """A durable host whose actions all go to one collector and that starts no timer threads."""

    def __init__(self) -> None:
        self.collector: Callable[[str, Any], None] | None = None
        super().__init__()

    def _run(self) -> None:  # the timers would run actions on another thread
        pass

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        def action(c: Any) -> None:  # exactly one parameter: two would make it asynchronous
            self.collector(action_name, c)

        return action


_HOST: _QuietHost | None = None


def _host() -> _QuietHost:
    global _HOST
    if _HOST is None:
        _HOST = _QuietHost()
    return _HOST


class Runtime:
    """A compiled pack registered on the process's host, ready to evaluate profiles."""

    _sessions = itertools.count(1)

    def __init__(self, compiled: CompiledPack) -> None:
        self.compiled = compiled
        self.host = _host()
        self.host.set_rulesets({compiled.name: copy.deepcopy(compiled.ruleset)})
        self._fired: list[str] = []
        self._seen: set[str] = set()

    def _collect(self, rule_id: str, c: Any) -> None:
        if rule_id in self._seen:  # another alternative of the same rule, or a second join match
            return
        self._seen.add(rule_id)
        self._fired.append(rule_id)
        for fact in self.compiled.derives.get(rule_id, ()):
            c.assert_fact({"t": "fact", "name": fact, "by": rule_id})

    def evaluate(self, facts: dict[str, Any], decide: Callable[[list[str]], str] | None = None) -> tuple[list[str], str | None]:
        """Run one resolved profile through the rules.

        Returns the ids of the rules that fired (in firing order) and, when the pack has rules that
        test the decided mode, the mode that ``decide`` chose from the pre-decision rules.
        """
        name, sid = self.compiled.name, str(next(self._sessions))
        self._fired, self._seen = [], set()
        self.host.collector = self._collect
        mode = None
        try:
            self._assert(name, {**profile_fact(facts), "sid": sid})
            for stage in self.compiled.stages:
                phase: dict[str, Any] = {"t": "phase", "stage": stage, "sid": sid}
                if self.compiled.decision_stage is not None and stage >= self.compiled.decision_stage:
                    if mode is None:
                        if decide is None:
                            raise EngineError("the pack has rules that test the mode, but no decision was given")
                        mode = decide(list(self._fired))
                    phase["mode"] = mode
                self._assert(name, phase)
        finally:
            self.host.delete_state(name, sid)
        return list(self._fired), mode

    def _assert(self, name: str, fact: dict[str, Any]) -> None:
        try:
            state = self.host.assert_fact(name, fact)
        except durable.MessageNotHandledException:
            return  # no rule matched this fact: a normal outcome
        if isinstance(state, dict) and "exception" in state:
            raise EngineError(f"a rule action failed inside the engine: {state['exception']}")
