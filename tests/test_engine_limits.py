"""Rule packs of any size: every ruleset within the engine's limits, results as the rules say.

durable-rules 2.0.28 overflowed a 64-entry stack (then corrupted its heap) with about 160 rules
comparing one number, and spun for ever with 560 (see ``advisor/engine/limits.py``). Packs that
big run here in subprocesses with a timeout: a regression is a failed test, not a hung suite.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest
import yaml

import packgen
import reference
from advisor.engine import limits
from advisor.engine.compiler import compile_pack
from advisor.engine.loader import load_pack
from advisor.engine.slices import plan_slices
from advisor.errors import RuleLoadError
from advisor.pipeline import Advisor
from advisor.profile import parse_profile
from conftest import MINIPACK, ROOT
from packgen import profiles

TESTS = Path(__file__).resolve().parent


def test_the_engine_fires_what_the_rules_say_on_the_bundled_pack(advisor):
    decide = advisor.ranker.mode
    for facts in profiles(advisor, 11, 400):
        fired, _ = advisor.runtime.evaluate(facts, decide=decide)
        assert set(fired) == reference.fired(advisor.pack, facts, decide), facts


# --- large packs, in subprocesses ------------------------------------------------------------

CHECK = textwrap.dedent("""
    import json, sys
    sys.setrecursionlimit(20000)  # the reference reading recurses along chains of facts
    sys.path.insert(0, {tests!r})
    import packgen, reference
    from packgen import profiles
    from advisor.pipeline import Advisor
    shape, size, seed, folder = {shape!r}, {size}, {seed}, {folder!r}
    content = {{"varied": packgen.varied, "chain": packgen.chain}}.get(shape, lambda n, seed: packgen.single_field(n, shape, seed=seed))(size, seed=seed)
    advisor = Advisor.load(str(packgen.write_pack(folder, content)))
    decide = advisor.ranker.mode
    fired = 0
    for facts in profiles(advisor, seed, {count}):
        got, _ = advisor.runtime.evaluate(facts, decide=decide)
        want = reference.fired(advisor.pack, facts, decide)
        assert set(got) == want, (facts, sorted(set(got) ^ want)[:10])
        fired += len(want)
    print(json.dumps({{"rulesets": len(advisor.compiled.chunks), "fired": fired}}))
""")


@pytest.mark.parametrize("shape, size, seed", [
    ("varied", 100, 1), ("varied", 600, 2), ("varied", 2000, 3),
    ("employees", 1200, 4), ("budget_cny", 600, 5), ("chain", 600, 6),
])
def test_a_large_pack_fires_what_the_rules_say(tmp_path, shape, size, seed):
    script = CHECK.format(tests=str(TESTS), shape=shape, size=size, seed=seed, folder=str(tmp_path / "pack"),
                          count=20)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["fired"] > 0
    # cut into as many rulesets as the size (or, for the chain, the number of stages) needs
    assert result["rulesets"] >= -(-size // (2 * limits.STAGES if shape == "chain" else limits.RULES))


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


@pytest.mark.parametrize("size", [160, 560, 1000])
def test_advise_with_many_rules_on_one_number(tmp_path, size):
    # 160 such rules aborted (free(): invalid size, SIGSEGV, error 303); 560 spun at 100% CPU.
    pack = packgen.write_pack(tmp_path / "pack", packgen.single_field(size, "employees"))
    profile = tmp_path / "p.yaml"
    profile.write_text("name: x\nemployees: 30000\nsector: finance\nprivacy: high\nbudget: 3000万\n", encoding="utf-8")
    done = cli("advise", str(profile), "--rules", str(pack), "--format", "json")
    assert done.returncode == 0, done.stderr[-3000:]
    advisor = Advisor.load(str(pack))
    facts = advisor.resolve(parse_profile(yaml.safe_load(profile.read_text(encoding="utf-8")))).facts
    want = reference.fired(advisor.pack, facts, advisor.ranker.mode)
    assert {t["rule"] for t in json.loads(done.stdout)["trace"]} == want and len(want) > 60


def test_batch_with_many_rules_on_one_number(tmp_path):
    pack = packgen.write_pack(tmp_path / "pack", packgen.single_field(560, "employees"))
    rows = ["name,employees,sector,privacy,budget"] + [
        f"c{n},{n * 97 % 50000 + 1},finance,high,{n % 300 + 1}万" for n in range(120)]
    (tmp_path / "list.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    done = cli("batch", str(tmp_path / "list.csv"), "--rules", str(pack), "-q", "-o", str(tmp_path / "out.jsonl"))
    assert done.returncode == 0, done.stderr[-3000:]
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 120 and all("error" not in json.loads(line) for line in lines)


def test_an_interrupted_evaluation_leaves_no_queue_behind():
    # An interruption while actions are queued (Ctrl-C, or any error) must release the sessions
    # (1,024 at most per ruleset) and leave the engine as it was: 1,100 interrupted evaluations,
    # then normal ones.
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(TESTS)!r})
        import durable_rules_engine
        from packgen import profiles
        from advisor.pipeline import Advisor
        advisor = Advisor.load({str(MINIPACK)!r})
        decide = advisor.ranker.mode
        facts = [f for f in profiles(advisor, 1, 60) if f["privacy"] == "high"][0]  # T-SENSITIVE derives a fact
        expected = sorted(advisor.runtime.evaluate(facts, decide=decide)[0])
        real = durable_rules_engine.assert_fact
        def interrupted(handle, fact):
            if fact.startswith('{{"t":"fact"'):  # while T-SENSITIVE's action runs, the others queued
                raise KeyboardInterrupt
            return real(handle, fact)
        durable_rules_engine.assert_fact = interrupted
        for _ in range(1100):
            try:
                advisor.runtime.evaluate(facts, decide=decide)
            except KeyboardInterrupt:
                pass
        durable_rules_engine.assert_fact = real
        for _ in range(50):
            assert sorted(advisor.runtime.evaluate(facts, decide=decide)[0]) == expected
        print(expected)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "T-SENSITIVE" in done.stdout and "T-ONPREM" in done.stdout


# --- what is registered stays within the engine's limits ---------------------------------------


def alpha_network(ruleset: dict) -> dict:
    """A model of how durable-rules builds its alpha network from our patterns (rete.c
    ``createAlpha``/``findAlpha``): each pattern is a chain of equality tests, and chains share
    their common prefix. Returns the network's node statistics."""
    children: dict[tuple, set[tuple]] = {}
    patterns_on: Counter = Counter()
    positive_per_rule = []
    expressions = []
    for rule in ruleset.values():
        positive = 0
        for pattern in rule["all"]:
            (name, expression), = pattern.items()
            tests = expression["$and"] if "$and" in expression else [expression]
            expressions.append(2 * ("$and" in expression))
            node: tuple = ()
            for test in tests:
                (prop, value), = test.items()
                assert not prop.startswith("$") and not isinstance(value, (dict, list)), test  # equalities only
                child = node + ((prop, value),)
                children.setdefault(node, set()).add(child)
                node = child
            patterns_on[node] += 1
            positive += not name.endswith("$not")
        positive_per_rule.append(positive)

    def stack(node: tuple) -> int:
        # A fact has one value per property: of the children testing one property, one matches;
        # the engine pushes every matching child at once (events.c handleAlpha).
        below = children.get(node, set())
        pushed = len({child[-1][0] for child in below})
        return pushed + max((stack(child) for child in below), default=0)

    return {"children": max((len(c) for c in children.values()), default=0), "stack": stack(()),
            "patterns_on_node": max(patterns_on.values()), "joined": max(positive_per_rule),
            "expressions": max(expressions), "rules": len(ruleset)}


@pytest.mark.parametrize("make", [
    lambda: packgen.varied(1500, seed=7), lambda: packgen.varied(800, seed=8, facts=400),
    lambda: packgen.single_field(1500), lambda: packgen.single_field(800, "budget_cny"), lambda: packgen.chain(1000),
], ids=["varied", "many-facts", "employees", "budget", "chain"])
def test_every_registered_ruleset_is_within_the_engine_limits(tmp_path, make):
    pack = load_pack(packgen.write_pack(tmp_path / "pack", make()))
    compiled = compile_pack(pack, "limits_test")
    for chunk in compiled.chunks:
        net = alpha_network(chunk.ruleset)
        assert net["rules"] <= limits.RULES + 1 < limits.ENGINE_RULES
        assert net["stack"] < limits.ENGINE_STACK, chunk.name
        assert net["children"] < limits.ENGINE_CHILDREN // 2  # room: probing is linear in a crowded node
        assert net["patterns_on_node"] < limits.ENGINE_PATTERNS_PER_NODE
        assert net["joined"] <= limits.ENGINE_FRAMES
        assert net["expressions"] < 32
        for stage, pairs in chunk.literals.items():  # the properties of one stage fact
            assert 4 + len({group for _, group in pairs}) + len(pairs) < limits.ENGINE_PROPERTIES
    rules = Counter(name.partition("#")[0] for c in compiled.chunks for name in c.ruleset if name != "~anchor")
    assert set(rules) == {r.id for r in pack.rules}


def test_the_limit_model_sees_the_old_failure():
    # The model above must catch what broke: 160 comparisons of one number under the profile fact.
    old = {f"r{k}": {"all": [{"p": {"$and": [{"t": "profile"}, {f"employees_gt_{k}": True}]}}]} for k in range(160)}
    assert alpha_network(old)["stack"] > limits.ENGINE_STACK


# --- what one rule alone cannot do is refused at load time -------------------------------------


def write(tmp_path: Path, rules: list[dict], facts: list[str]) -> Path:
    content = {"facts": {f: {"en": f, "zh": f} for f in facts}, "items": packgen.ITEMS, "rules": rules}
    return packgen.write_pack(tmp_path / "pack", content)


def rule(rid: str, when, then) -> dict:
    return {"id": rid, "description": {"en": rid, "zh": rid}, "source": "test", "when": when, "then": then}


def test_a_rule_joining_too_many_facts_is_refused(tmp_path):
    names = [f"f{n}" for n in range(limits.FACTS_JOINED + 1)]
    rules = [rule(f"D-{n}", {"sector": "finance"}, [{"derive": f}]) for n, f in enumerate(names)]
    rules.append(rule("JOIN-ALL", {"all": [{"fact": f} for f in names]}, [{"note": {"en": "x", "zh": "x"}}]))
    folder = write(tmp_path, rules, names)
    with pytest.raises(RuleLoadError) as caught:
        Advisor.load(str(folder))
    assert "rule JOIN-ALL" in str(caught.value) and f"at most {limits.FACTS_JOINED}" in str(caught.value)
    done = cli("rules", "test", "--rules", str(folder))
    assert done.returncode == 2 and "JOIN-ALL" in done.stderr and "Traceback" not in done.stderr
    # One fewer fact is fine, and fires when every fact holds.
    rules[-1]["when"] = {"all": [{"fact": f} for f in names[:-1]]}
    advisor = Advisor.load(str(write(tmp_path, rules, names)))
    facts = advisor.resolve(parse_profile({"name": "x", "size": "small", "sector": "finance", "privacy": "low",
                                           "budget": "low"})).facts
    assert "JOIN-ALL" in advisor.runtime.evaluate(facts, decide=lambda f: "saas")[0]


def test_a_rule_with_too_many_alternatives_is_refused(tmp_path):
    facts = [f"f{n}" for n in range(8)]
    rules = [rule(f"D-{n}", {"sector": "finance"}, [{"derive": f}]) for n, f in enumerate(facts)]
    pairs = [{"any": [{"fact": facts[2 * n]}, {"fact": facts[2 * n + 1]}]} for n in range(4)]  # 2**4 = 16: fine
    wide = [{"any": [{"fact": f}, {"privacy": "high"}, {"ml_team": "strong"}]} for f in facts[:4]]  # 3**4 = 81
    rules.append(rule("OK-16", {"all": pairs}, [{"note": {"en": "x", "zh": "x"}}]))
    rules.append(rule("WIDE-81", {"all": wide}, [{"note": {"en": "x", "zh": "x"}}]))
    with pytest.raises(RuleLoadError) as caught:
        Advisor.load(str(write(tmp_path, rules, facts)))
    assert "rule WIDE-81" in str(caught.value) and "OK-16" not in str(caught.value)
    assert f"more than {limits.ALTERNATIVES} alternatives" in str(caught.value)


def test_field_tests_do_not_count_as_alternatives(tmp_path):
    # Only derived facts are expanded: a condition over fields alone is one test, however wide.
    tests = [{"any": [{"sector": s}, {"privacy": "high"}, {"startup": True}]} for s in ("finance", "legal", "mining",
                                                                                        "telecom", "education")]
    folder = write(tmp_path, [rule("WIDE", {"all": tests}, [{"note": {"en": "x", "zh": "x"}}])], [])
    (chunk,) = compile_pack(load_pack(folder), "wide").chunks
    assert [name for name in chunk.ruleset if name.startswith("WIDE")] == ["WIDE#0"]


# --- batch slices key numbers by band ----------------------------------------------------------


def test_a_number_is_keyed_by_its_band_among_the_thresholds(tmp_path):
    rules = [rule("A", {"employees": {"gt": 100}}, [{"note": {"en": "a", "zh": "a"}}]),
             rule("B", {"employees": {"lte": 200, "ne": 150}}, [{"note": {"en": "b", "zh": "b"}}])]
    (piece,) = plan_slices(load_pack(write(tmp_path, rules, [])))
    assert dict(piece.bands) == {"employees": (100, 150, 200)}
    key = lambda n: piece.key_function()({"employees": n}, None)  # noqa: E731
    assert key(120) == key(149) != key(150) != key(151) == key(199)
    assert key(1) == key(99) != key(100) != key(101)
    assert key(None) != key(1) and key(201) == key(10**9)


def test_the_slices_of_a_large_pack_fire_what_the_pack_fires(tmp_path):
    from advisor.batch.verdicts import Verdicts

    advisor = Advisor.load(str(packgen.write_pack(tmp_path / "pack", packgen.varied(300, seed=9))))
    decide = advisor.ranker.mode
    verdicts = Verdicts(advisor, decide)
    for facts in profiles(advisor, 9, 150):
        assert verdicts.fired(facts) == reference.fired(advisor.pack, facts, decide)
