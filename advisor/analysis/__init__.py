"""Looking at a rule pack from outside the engine: why a rule fired or not (``conditions``,
``explain``), what a change of answers would decide (``decision``), and the pack author's checks
(``lint``, ``coverage``, ``invariants``). Every condition is evaluated with the predicates the
compiler gives the engine (``advisor.engine.predicates``); nothing here restates a rule."""
