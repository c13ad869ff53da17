"""The only module that imports durable-rules: register a compiled pack, evaluate one profile.

Behaviour of durable-rules 2.0.28 handled here:
* the rulesets are created with the C engine's own call, without durable's ``Host``: its two
  timer threads sometimes ran actions asynchronously, and its Python layer (a closure per rule,
  a deep copy, a name registry) was most of the time to register a large pack;
* each evaluation has its own session id in every ruleset of the pack, and its state is always
  deleted (1,024 live sessions max);
* "no rule matched" is a normal outcome (a result code of the C engine);
* actions are taken from the C engine's queue and run here, not by durable's Python layer,
  whose per-action overhead was most of the time per profile; every queue is emptied before its
  state is deleted, errors and interruptions included;
* a session takes about 12 KB per rule of its ruleset and is freed after every profile: on
  glibc, the heap is told to keep that memory (``_steady_heap``).
Not thread-safe (durable-rules is not): use one process per worker.
"""

from __future__ import annotations

import itertools
import sys
from typing import Any, Callable

import durable_rules_engine as _engine
import orjson

from advisor.engine.compiler import ANCHOR, CompiledPack
from advisor.engine.loader import MODE_FIELD
from advisor.errors import EngineError

_NOT_HANDLED, _OBSERVED = 1, 2  # result codes of the C engine's assert_fact
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


def _steady_heap() -> None:
    """Keep freed memory in the heap instead of handing it back to the system (glibc only).

    Each profile creates a session in every ruleset (``createStateNode``: 8 KB of indexes and two
    frame pools per rule, plus the action states) and deletes it. With glibc's adaptive
    defaults, the megabytes freed at the top of the heap are sometimes returned to the system
    and faulted back in at the next profile: with 1,000 rules, 2,000 page faults and 2.5 to 3
    times the CPU time per profile, depending on the allocation history of the process. Fixed
    thresholds (memory up to 32 MB taken from the heap, 128 MB of free heap kept) remove that.
    Called when a process evaluates its second profile: one profile does not need it (nor ctypes).
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)
    mallopt(_M_TRIM_THRESHOLD, 128 << 20)


def _dumps(fact: dict[str, Any]) -> str:
    return orjson.dumps(fact).decode()


class Runtime:
    """A compiled pack registered with the engine, ready to evaluate profiles.

    Each evaluation drives the C engine directly: assert a fact, then take its queued actions one
    by one. This is what durable's ``Host.assert_fact`` does too, minus its per-action overhead
    (a closure, JSON round trips of the session state, clock reads). The session state is never
    updated: no compiled pattern can match it (every pattern tests ``t``).

    One evaluation: the literals of stage 0 are computed and each chunk gets its stage-0 fact;
    every derived fact goes to the chunks that test it, and the actions it causes run at once;
    then each later stage's fact goes to the chunks with rules of that stage.
    """

    _sessions = itertools.count(1)

    def __init__(self, compiled: CompiledPack) -> None:
        self.compiled = compiled
        chunks = compiled.chunks
        self._handles = [_register(c.name, {rule: {"all": spec["all"]} for rule, spec in c.ruleset.items()})
                         for c in chunks]
        # per chunk: durable rule name ("ID#n", one per group of alternatives) -> rule id
        self._rule_of = [{name: spec["run"] for name, spec in c.ruleset.items()} for c in chunks]
        # What each rule derives, for the chunks that test it: rule id -> [(fact, [(chunk, JSON)])]. A fact is asserted once per session however many rules derive it:
        # a second copy would match every join again (a rule joining k facts that n rules derive
        # each would fire n**k times).
        consumers: dict[str, list[tuple[int, str]]] = {}  # fact -> [(chunk, its JSON there up to the session id)]
        for n, chunk in enumerate(chunks):
            for fact, (group, prop) in chunk.facts.items():
                consumers.setdefault(fact, []).append((n, f'{{"t":"fact","x":{group},"{prop}":1,"sid":'))
        self._derived = {
            rule_id: [(fact, consumers[fact]) for fact in facts if fact in consumers]
            for rule_id, facts in compiled.derives.items()
        }
        self._literals: dict[int, list[tuple[str, Any]]] = {}  # stage -> [(literal, test)]
        for literal in compiled.literals.values():
            self._literals.setdefault(literal.stage, []).append((literal.name, literal.test))
        # stage -> [(chunk, its (literal, group flag) pairs)] for the chunks with rules of that stage
        self._stage_chunks = {
            stage: [(n, c.literals.get(stage, ())) for n, c in enumerate(chunks) if stage in c.stages]
            for stage in compiled.stages
        }

    def evaluate(self, facts: dict[str, Any], decide: Callable[[list[str]], str] | None = None) -> tuple[list[str], str | None]:
        """Run one resolved profile through the rules.

        Returns the ids of the rules that fired (in firing order) and, when the pack has rules that
        test the decided mode, the mode that ``decide`` chose from the pre-decision rules.
        """
        compiled, sid = self.compiled, str(next(self._sessions))
        if sid == "2":  # the process's second profile (sessions are numbered across runtimes, forks included)
            _steady_heap()
        run = _Evaluation(self, sid)
        mode = None
        try:
            holding = self._holding(0, facts)
            for n, chunk in enumerate(compiled.chunks):
                run.send(n, _stage_fact(0, chunk.literals.get(0, ()), holding, sid))
                run.drain()
            for stage in compiled.stages:
                view = facts
                if compiled.decision_stage is not None and stage >= compiled.decision_stage:
                    if mode is None:
                        if decide is None:
                            raise EngineError("the pack has rules that test the mode, but no decision was given")
                        mode = decide(list(run.fired))
                    view = {**facts, MODE_FIELD: mode}
                holding = self._holding(stage, view)
                for n, pairs in self._stage_chunks[stage]:
                    run.send(n, _stage_fact(stage, pairs, holding, sid))
                    run.drain()
        finally:
            run.close()
        return run.fired, mode

    def _holding(self, stage: int, facts: dict[str, Any]) -> set[str]:
        """The literals of ``stage`` that hold for ``facts``."""
        return {name for name, test in self._literals.get(stage, ()) if test(facts)}


def _register(name: str, ruleset: dict[str, Any]) -> int:
    """Create one ruleset in the engine; its handle."""
    try:
        return _engine.create_ruleset(name, _dumps(ruleset))
    except _engine.error as exc:  # a limit the compiler should have kept
        raise EngineError(f"the rules engine refused ruleset {name}: {exc}") from None


def _stage_fact(stage: int, pairs: tuple[tuple[str, str], ...], holding: set[str], sid: str) -> str:
    """The stage fact of one chunk (JSON): the literals of its rules that hold, and their group flags."""
    flags: dict[str, None] = {}
    held = []
    for literal, flag in pairs:
        if literal in holding:
            held.append(literal)
            flags[flag] = None
    body = "".join(f'"{name}":1,' for name in (*flags, *held))
    return f'{{"t":"stage","s":{stage},{body}"sid":"{sid}"}}'


class _Evaluation:
    """One session in every chunk of a runtime: facts asserted, actions run, states deleted."""

    def __init__(self, runtime: Runtime, sid: str) -> None:
        self.runtime, self.sid = runtime, sid
        self.fired: list[str] = []
        self.seen: set[str] = set()
        self.facts: set[str] = set()  # the facts derived so far
        self.states: dict[int, int] = {}  # chunk -> its state in this session
        self.pending: list[int] = []  # chunks that may have queued actions
        self.active: int | None = None  # the chunk whose action is being run
        self.kept: set[int] = set()  # chunks whose session cannot be deleted safely

    def send(self, chunk: int, fact: str) -> None:
        """Assert one fact (JSON) into one chunk; its actions wait for ``drain``."""
        try:
            code, state = _engine.assert_fact(self.runtime._handles[chunk], fact)
        except _engine.error as exc:  # a limit the compiler should have kept
            # The fact may be half processed, its actions queued where they cannot be found: keep
            # this session (one of 1,024) rather than delete a state with a queue.
            self.states.pop(chunk, None)
            self.kept.add(chunk)
            raise EngineError(f"the rules engine refused a fact ({exc}): {fact[:200]}") from None
        if chunk not in self.kept:
            self.states.setdefault(chunk, state)
        if code == _NOT_HANDLED:  # no rule matched this fact: a normal outcome
            return
        if code == _OBSERVED:
            raise EngineError(f"the engine saw the same fact twice: {fact}")
        if chunk != self.active:
            self.pending.append(chunk)

    def drain(self) -> None:
        """Run every queued action, including those of the facts they derive, in every chunk."""
        runtime, sid = self.runtime, self.sid
        fired, seen, derived, known = self.fired, self.seen, runtime._derived, self.facts
        complete = _engine.complete_and_start_action
        while self.pending:
            chunk = self.pending.pop(0)
            handle, state, rule_of = runtime._handles[chunk], self.states[chunk], runtime._rule_of[chunk]
            started = _engine.start_action_for_state(handle, state)
            message = started[1] if started else None
            self.active = chunk
            while message:
                # A message is {"NAME": {...}}: read the name without parsing the matched facts.
                rule_id = rule_of.get(message[2:message.find('"', 2)]) or rule_of[_action_name(message)]
                if rule_id not in seen and rule_id != ANCHOR:  # not: another alternative, a second join match
                    seen.add(rule_id)
                    fired.append(rule_id)
                    for fact, targets in derived.get(rule_id, ()):
                        if fact not in known:
                            known.add(fact)
                            for target, prefix in targets:  # into this chunk: its actions join the running queue
                                self.send(target, f'{prefix}"{sid}"}}')
                message = complete(handle, state)
            self.active = None

    def close(self) -> None:
        """Empty every queue (after an error some are not), then delete the session's states."""
        handles = self.runtime._handles
        if self.active in self.states:
            _finish(handles[self.active], self.states[self.active], started=True)
        for chunk in dict.fromkeys(self.pending):
            if chunk in self.states and chunk != self.active:
                _finish(handles[chunk], self.states[chunk], started=False)
        for chunk in self.states:
            _engine.delete_state(handles[chunk], self.sid)


def _action_name(message: str) -> str:
    """The rule name of a queued action: the only key of the message object ``{"NAME": {...}}``."""
    if message.startswith('{"'):
        end = message.find('"', 2)
        if end > 2:
            return message[2:end]
    return next(iter(orjson.loads(message)))


def _finish(handle: int, state: int, started: bool) -> None:
    """Take every action still queued in ``state`` without running it."""
    try:
        if not started and not _engine.start_action_for_state(handle, state):
            return
        while _engine.complete_and_start_action(handle, state):
            pass
    except Exception:  # already failing: keep the first error
        pass
