"""Records (advisor/records.py): made without checks, validated by their pydantic mirror."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from typing import Any, Literal

import pytest

from advisor.records import Alias, Factory, Record, after, before, field_names, prepare
from conftest import PROFILES, ROOT

Identifier = Alias(r"Annotated[str, Field(pattern=r'^[A-Za-z][A-Za-z0-9_.\-]*$')]")


class Strict(Record, config={"extra": "forbid", "frozen": True, "allow_inf_nan": False}):
    """A base with pydantic's config for the mirror."""


class Text(Strict):
    """A text in both languages."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class FieldTest(Strict):
    kind: Literal["field"] = "field"
    field: str
    value: Any = None


class All(Strict):
    kind: Literal["all"] = "all"
    items: list[Condition]


Condition = Alias("Annotated[Union[FieldTest, All], Field(discriminator='kind')]")


class Tagged(Strict):
    """Read only through ``model_fields`` (its mirror is not built before)."""

    id: Identifier
    note: str | None = None
    inner: Text | None = None


class Rule(Strict):
    """A rule, with every kind of validator."""

    id: Identifier
    when: Condition | None = None
    tags: list[str] = Factory(list)
    weight: float = 1.0
    scores: list[float] = [1.0]
    text: Text

    @prepare
    def _renamed(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and "name" in raw:  # an old key, renamed
            raw = {("id" if key == "name" else key): value for key, value in raw.items()}
        return raw

    @before("tags")
    def _listed(cls, raw: Any) -> Any:
        return [raw] if isinstance(raw, str) else raw

    @after
    def _check(self) -> Any:
        if self.id == "BAD":
            raise ValueError("bad id " + self.text.get("en"))
        return self


class Special(Rule):
    extra: int = 0


RULE = {"id": "R1", "when": {"kind": "all", "items": [{"kind": "field", "field": "size", "value": "large"}]},
        "tags": "a", "weight": 2, "text": {"en": "x", "zh": "甲"}}


def test_a_record_is_made_as_given_with_its_defaults():
    rule = Rule(id="R1", text=Text(en="x", zh="甲"))
    assert (rule.when, rule.tags, rule.weight, rule.scores) == (None, [], 1.0, [1.0])
    assert field_names(Rule) == ("id", "when", "tags", "weight", "scores", "text")
    assert field_names(Special) == (*field_names(Rule), "extra")
    other = Rule(id="R2", text=rule.text)
    assert other.tags is not rule.tags and other.scores is not rule.scores  # defaults made afresh
    assert Rule(id="R", text=rule.text, weight=3, scores=[2, None]).weight == 3.0  # whole numbers: floats
    assert type(Rule(id="R", text=rule.text, scores=[2]).scores[0]) is float
    nested = Rule(id="R", text={"en": "e", "zh": "中"}, when={"kind": "field", "field": "f"})
    assert nested.text == Text(en="e", zh="中") and nested.text.get("zh") == "中"
    assert nested.when == {"kind": "field", "field": "f"}  # a union is left as given (not one record)
    with pytest.raises(TypeError, match="field 'text' is required"):
        Rule(id="R")
    with pytest.raises(TypeError, match="unknown field"):
        Rule(id="R", text=rule.text, colour="red")


def test_a_record_refuses_nan_and_infinity_when_its_config_does():
    text = Text(en="x", zh="甲")
    for bad in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(ValueError, match="field 'weight' must be a finite number"):
            Rule(id="R", text=text, weight=bad)

    class Loose(Record):
        x: float = 0.0

    assert Loose(x=float("inf")).x == float("inf")


def test_a_record_is_immutable_comparable_hashable_and_shown_as_pydantic_shows_a_model():
    a, b = Text(en="x", zh="甲"), Text(en="x", zh="甲")
    assert a == b and hash(a) == hash(b) and a != Text(en="y", zh="甲") and len({a, b}) == 1
    assert repr(a) == "Text(en='x', zh='甲')" and dict(a) == {"en": "x", "zh": "甲"}
    with pytest.raises(TypeError, match="immutable"):
        a.en = "y"
    with pytest.raises(TypeError, match="immutable"):
        del a.en
    changed = a.model_copy(update={"en": "y"})
    assert (changed.en, a.en) == ("y", "x")
    with pytest.raises(TypeError, match="unknown field"):
        a.model_copy(update={"fr": "z"})
    assert pickle.loads(pickle.dumps(Rule.model_validate(RULE))) == Rule.model_validate(RULE)


def test_validation_is_pydantics_with_every_validator_and_gives_records():
    from pydantic import ValidationError

    rule = Rule.model_validate(RULE)
    assert type(rule) is Rule and type(rule.text) is Text
    assert type(rule.when) is All and type(rule.when.items[0]) is FieldTest  # the discriminated union
    assert rule.tags == ["a"] and rule.weight == 2.0  # before-validator; whole number made a float
    assert Rule.model_validate({**RULE, "id": None, "name": "R9"}).id == "R9"  # the prepare-validator
    assert type(Special.model_validate({**RULE, "extra": 3})) is Special

    def errors(data: dict) -> list[tuple[tuple, str]]:
        with pytest.raises(ValidationError) as caught:
            Rule.model_validate(data)
        return [(e["loc"], e["type"]) for e in caught.value.errors()]

    assert errors({**RULE, "id": "9bad"}) == [(("id",), "string_pattern_mismatch")]  # the Alias's constraint
    assert errors({**RULE, "colour": 1}) == [(("colour",), "extra_forbidden")]
    assert errors({**RULE, "weight": float("nan")}) == [(("weight",), "finite_number")]
    assert errors({**RULE, "when": {"kind": "any"}}) == [(("when",), "union_tag_invalid")]
    assert errors({**RULE, "text": {"en": "x"}}) == [(("text", "zh"), "missing")]
    with pytest.raises(ValidationError, match="bad id x"):  # the after-validator
        Rule.model_validate({**RULE, "id": "BAD"})


def test_dumps_round_trip_through_json_and_the_schema_is_the_mirrors():
    rule = Rule.model_validate(RULE)
    dumped = rule.model_dump()
    assert dumped["text"] == {"en": "x", "zh": "甲"} and dumped["when"]["items"][0]["field"] == "size"
    assert "text" not in rule.model_dump(exclude={"text"})
    assert Rule.model_validate_json(rule.model_dump_json()) == rule
    assert json.loads(rule.model_dump_json()) == rule.model_dump(mode="json")
    schema = Rule.model_json_schema()
    assert schema["title"] == "Rule" and set(schema["properties"]) == set(field_names(Rule))
    assert Rule.model_fields["weight"].default == 1.0


def test_model_fields_give_the_resolved_types_and_none_can_be_left_out_of_a_dump():
    fields = Tagged.model_fields  # the first use of Tagged's mirror: its aliases resolved all the same
    assert fields["id"].annotation is str and fields["id"].metadata[0].pattern.startswith("^[A-Za-z]")
    assert fields["id"].is_required() and fields["note"].default is None
    tagged = Tagged(id="a", inner=Text(en=None, zh="甲"))
    assert tagged.model_dump(exclude_none=True) == {"id": "a", "inner": {"zh": "甲"}}
    assert tagged.model_dump() == {"id": "a", "note": None, "inner": {"en": None, "zh": "甲"}}


def test_a_record_inside_a_pydantic_model_is_validated_and_dumped_through_its_mirror():
    from pydantic import BaseModel, ValidationError

    class Holder(BaseModel):
        rule: Rule

    held = Holder(rule=RULE)
    assert type(held.rule) is Rule and held.rule == Rule.model_validate(RULE)
    assert Holder(rule=held.rule).rule == held.rule  # a record given as it is
    assert held.model_dump()["rule"]["text"] == {"en": "x", "zh": "甲"}
    assert json.loads(held.model_dump_json())["rule"]["weight"] == 2.0
    with pytest.raises(ValidationError):
        Holder(rule={**RULE, "id": "9bad"})


_WARM_ADVISE = """
import runpy, sys
sys.argv = ["advisor", "advise", sys.argv[1]]
try:
    runpy.run_module("advisor", run_name="__main__")
except SystemExit as exit:
    assert not exit.code, exit.code
print("PYDANTIC", sorted(name for name in sys.modules if name.split(".")[0] in ("pydantic", "pydantic_core")),
      file=sys.stderr)
"""


def test_a_one_profile_run_with_its_pack_cached_imports_no_pydantic():
    """``advisor advise`` with the compiled pack in the cache (every run after the first) reads,
    decides and prints without pydantic, some 40 ms of start-up (bench/startup.py)."""
    profile = str(PROFILES / "01-gov-onprem.yaml")
    for run in range(2):  # the first fills the cache (the test run's own cache folder)
        done = subprocess.run([sys.executable, "-c", _WARM_ADVISE, profile], cwd=ROOT, capture_output=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr.decode()
        assert "DEP-" in done.stdout.decode()  # it advised
    assert done.stderr.decode().strip().splitlines()[-1] == "PYDANTIC []"
