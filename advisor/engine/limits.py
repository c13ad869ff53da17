"""What one durable-rules 2.0.28 ruleset can hold, and the bounds the compiler keeps to.

The C engine (``src/rules`` in the durable-rules sdist) has fixed-size structures and checks
some of them late or not at all. What each one does when it overflows, measured on 2.0.28:

| structure (file: name) | size | overflow |
|---|---|---|
| alpha-node stack of one fact's match (events.c ``handleAlpha``: ``MAX_STACK_SIZE``) | 64 | error 303 halfway through a fact (some of its matches made, some not); deleting that session then corrupted the heap (``free(): invalid size``, SIGSEGV) |
| children of one alpha node (rete.c ``linkAlpha``: a hash set of ``NEXT_BUCKET_LENGTH``, probed linearly from ``hash & 0x1F``) | 512 | the probe loops of rete.c ``findAlpha`` and events.c ``handleAlpha`` stop only at an empty slot: a full set spins for ever, at registration or at the first fact |
| ``$nex`` children and ``$or`` joins of one alpha node (rules.h ``NEXT_LIST_LENGTH``) | 128 | a full list has no end marker: it is read (and the next link written) past its end; error 107 later |
| patterns hanging from one alpha node (``BETA_LIST_LENGTH``) | 256 | the same: 257 rules on one test fired 258 times; error 108 later |
| ``$and``/``$or`` entries of one pattern (rete.h ``MAX_SEQUENCE_EXPRESSIONS``) | 32 (2 per ``$and``/``$or``) | error 113 |
| facts joined by one rule (state.h ``MAX_MESSAGE_FRAMES``) | 16 | error 304 when the 17th arrives |
| properties of one fact, nested ones included (``MAX_OBJECT_PROPERTIES``) | 255 (``sid`` and ``id`` count) | error 302 |
| rules of one ruleset (rete.c ``MAX_ACTIONS``) | 4,096 | error 106 |
| live sessions of one ruleset (``MAX_STATE_INDEX_LENGTH``) | 1,024 | ``MemoryError`` (the runtime deletes every session) |

A pack compiled the plain way — one ruleset, each field test an alpha node under the profile
fact — hits the first two with a few hundred rules: 65 true comparisons of one number overflow
the stack, 512 distinct tests of the profile fact fill the hash set.

The compiler therefore (``compiler.py``): evaluates every field test in Python, so the engine only
tests booleans on a stage fact; hangs those booleans in groups of ``GROUP`` under one group
boolean each, so the stack holds at most ``3 + GROUPS + GROUP`` nodes; finds a derived fact by
its group's value, then by its own property (``GROUP`` per group); and cuts a pack into as many
rulesets of at most ``RULES`` rules, ``FACTS`` facts and ``STAGES`` stages as it needs. What a single rule could still exceed is
refused at load time: ``FACTS_JOINED``, ``FACTS_PER_ALTERNATIVE`` and ``ALTERNATIVES``.
"""

from __future__ import annotations

# The engine's sizes (durable-rules 2.0.28).
ENGINE_STACK = 64
ENGINE_CHILDREN = 512
ENGINE_PATTERNS_PER_NODE = 256
ENGINE_FRAMES = 16
ENGINE_PROPERTIES = 255
ENGINE_RULES = 4096

# The bounds the compiler keeps every ruleset within.
RULES = 192  # durable rules of one ruleset (+ its anchor): < ENGINE_PATTERNS_PER_NODE on any node, < ENGINE_RULES
GROUP = 16  # booleans under one group boolean of a stage fact
GROUPS = -(-RULES // GROUP)  # at most 12 groups: stack <= 3 + 12 + 16 = 31 < ENGINE_STACK
FACTS = 192  # distinct derived facts tested in one ruleset: children of its fact node < ENGINE_CHILDREN
STAGES = 64  # stages with rules in one ruleset: children of its stage node
FACTS_JOINED = ENGINE_FRAMES - 1  # derived facts one alternative of a condition requires (the stage fact is the 16th)
FACTS_PER_ALTERNATIVE = 64  # derived facts, required or denied, in one alternative
ALTERNATIVES = 64  # alternatives of a condition over derived facts (its disjunctive normal form)

assert 4 + GROUPS + RULES < ENGINE_PROPERTIES  # t, s, sid, id, the groups and the booleans of one stage fact
assert 3 + GROUPS + GROUP < ENGINE_STACK
assert FACTS_PER_ALTERNATIVE <= FACTS and RULES + 1 < ENGINE_PATTERNS_PER_NODE
