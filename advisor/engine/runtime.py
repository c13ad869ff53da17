"""The only module that imports durable-rules: register a compiled pack, evaluate one profile.

Behaviour of durable-rules 2.0.28 handled here:
* the host's background timer threads are disabled (they sometimes ran actions asynchronously);
* each evaluation has its own session id and its state is always deleted (1,024 live sessions max);
* "no rule matched" is a normal outcome (a result code of the C engine);
* actions are taken from the C engine's queue and run here, not by durable's Python layer,
  whose per-action overhead was most of the time per profile (a state with queued actions must
  not be deleted: the queue is always emptied first);
* ``set_rulesets`` mutates its argument, so it gets a deep copy.
Not thread-safe (durable-rules is not): use one process per worker.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any, Callable

import durable.engine as durable
import durable_rules_engine as _engine
import orjson

from advisor.engine.compiler import ANCHOR, CompiledPack, profile_fact
from advisor.errors import EngineError

_NOT_HANDLED, _OBSERVED = 1, 2  # result codes of the C engine's assert_fact


class _QuietHost(durable.Host):
    """A durable host that starts no timer threads; its actions are run by ``Runtime`` itself."""

    def _run(self) -> None:  # the timers would run actions on another thread
        pass

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        def action(c: Any) -> None:  # never called: Runtime drives the action queue (exactly one parameter)
            raise EngineError(f"rule {action_name} was run outside the runtime")

        return action


_HOST: _QuietHost | None = None


def _host() -> _QuietHost:
    global _HOST
    if _HOST is None:
        _HOST = _QuietHost()
    return _HOST


def _dumps(fact: dict[str, Any]) -> str:
    return orjson.dumps(fact).decode()


class Runtime:
    """A compiled pack registered on the process's host, ready to evaluate profiles.

    The pack is registered through durable's ``Host``, but each evaluation drives the C engine
    directly: assert a fact, then take its queued actions one by one. This is what
    ``Host.assert_fact`` does too, minus its per-action overhead (a closure, JSON round trips of
    the session state, clock reads), which was most of the time per profile. The session state
    is never updated: no compiled pattern can match it (every pattern tests ``t``).
    """

    _sessions = itertools.count(1)

    def __init__(self, compiled: CompiledPack) -> None:
        self.compiled = compiled
        self.host = _host()
        # durable rule name ("ID#n", one per alternative of the condition) -> rule id
        self._rule_of = {name: spec["run"] for name, spec in compiled.ruleset.items()}
        self.host.set_rulesets({compiled.name: copy.deepcopy(compiled.ruleset)})
        self._handle = self.host.get_ruleset(compiled.name)._handle
        # The JSON of each derived fact up to its session id, written once: rule id -> [prefix].
        self._derived = {
            rule_id: [_dumps({"t": "fact", "name": fact, "by": rule_id})[:-1] + ',"sid":' for fact in facts]
            for rule_id, facts in compiled.derives.items() if facts
        }

    def evaluate(self, facts: dict[str, Any], decide: Callable[[list[str]], str] | None = None) -> tuple[list[str], str | None]:
        """Run one resolved profile through the rules.

        Returns the ids of the rules that fired (in firing order) and, when the pack has rules that
        test the decided mode, the mode that ``decide`` chose from the pre-decision rules.
        """
        compiled, sid = self.compiled, str(next(self._sessions))
        fired: list[str] = []
        seen: set[str] = set()
        mode = None
        try:
            self._assert(_dumps({**profile_fact(facts), "sid": sid}), sid, fired, seen)
            for stage in compiled.stages:
                if compiled.decision_stage is not None and stage >= compiled.decision_stage:
                    if mode is None:
                        if decide is None:
                            raise EngineError("the pack has rules that test the mode, but no decision was given")
                        mode = decide(list(fired))
                    self._assert(_dumps({"t": "phase", "stage": stage, "sid": sid, "mode": mode}), sid, fired, seen)
                else:
                    self._assert(f'{{"t":"phase","stage":{stage},"sid":"{sid}"}}', sid, fired, seen)
        finally:
            _engine.delete_state(self._handle, sid)
        return fired, mode

    def _assert(self, fact: str, sid: str, fired: list[str], seen: set[str]) -> None:
        """Assert one fact (JSON) and run every action it causes, including chained ones."""
        handle = self._handle
        code, state = _engine.assert_fact(handle, fact)
        if code == _NOT_HANDLED:  # no rule matched this fact: a normal outcome
            return
        if code == _OBSERVED:
            raise EngineError(f"the engine saw the same fact twice: {fact}")
        started = _engine.start_action_for_state(handle, state)
        message = started[1] if started else None
        rule_of, derived = self._rule_of, self._derived
        assert_fact, complete = _engine.assert_fact, _engine.complete_and_start_action
        try:
            while message:
                # A message is {"NAME": {...}}: read the name without parsing the matched facts.
                rule_id = rule_of.get(message[2:message.find('"', 2)]) or rule_of[_action_name(message)]
                if rule_id not in seen and rule_id != ANCHOR:  # not: another alternative, a second join match
                    seen.add(rule_id)
                    fired.append(rule_id)
                    if rule_id in derived:
                        for prefix in derived[rule_id]:
                            # Its actions join this state's queue. Not handled: no rule tests the fact.
                            code, _ = assert_fact(handle, f'{prefix}"{sid}"}}')
                            if code == _OBSERVED:
                                raise EngineError(f"rule {rule_id} derived the same fact twice")
                message = complete(handle, state)
        except BaseException:
            # Empty the queue before the state is deleted: deleting a state with actions pending
            # corrupts the engine's memory.
            _drain(handle, state)
            raise


def _action_name(message: str) -> str:
    """The rule name of a queued action: the only key of the message object ``{"NAME": {...}}``."""
    if message.startswith('{"'):
        end = message.find('"', 2)
        if end > 2:
            return message[2:end]
    return next(iter(orjson.loads(message)))


def _drain(handle: int, state: int) -> None:
    try:
        while _engine.complete_and_start_action(handle, state):
            pass
    except Exception:  # already failing: keep the first error
        pass
