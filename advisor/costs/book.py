"""The cost book: a rule pack's price book and cost model, checked against each other.

A pack brings ``prices:`` (prices.yaml) and ``costs:`` (costs.yaml); a pack without them uses
the bundled ones. ``with_overrides`` lays a user's price file (``--prices FILE``, the shape of
prices.yaml with only the items to change) over a book. Every problem names the file, the
item or component, and what is allowed; nothing is computed from a book that did not pass.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any


from advisor.costs.schema import UNITS, CostsSection, PriceItem, PricesSection, Server
from advisor.errors import PriceBookError, RuleLoadError
from advisor.vocabulary import vocabulary

PRICES_FILE = "prices.yaml"
COSTS_FILE = "costs.yaml"

# What each quantity is measured in, so the unit its price must have, and how often it is paid.
_METERED = {"input_tokens": "CNY/million tokens", "output_tokens": "CNY/million tokens",
            "public_input_tokens": "CNY/million tokens", "public_output_tokens": "CNY/million tokens",
            "energy": "CNY/kWh", "card_hours": "CNY/card-hour"}
_PER_FOR_UNIT = {"CNY": "once", "CNY/year": "year"}


@dataclass(frozen=True)
class CostBook:
    """A validated price book and cost model."""

    prices: PricesSection
    costs: CostsSection
    origin: str  # where the prices come from: a pack folder, and a price file laid over it
    given: tuple[tuple[str, dt.date], ...] = ()  # the price file's quotes: ("prices.items.pue", as_of)
    given_file: str | None = None  # the price file laid over the pack's book

    def late_quotes(self, day: dt.date) -> list[str]:
        """The price file's quotes dated after ``day`` (the run's date), each as a problem."""
        return [f"{self.given_file}: {at}.as_of: the quote is dated {date.isoformat()}, after the date of this "
                f"run ({day.isoformat()}); a price is quoted on or before the day it is used"
                for at, date in self.given if date > day]

    def item(self, item_id: str) -> PriceItem:
        """The price item ``item_id`` (the book was checked: every referenced id exists)."""
        return self.prices.items[item_id]

    @functools.cached_property
    def servers(self) -> tuple[Server, ...]:
        """The servers, smallest total memory first (then cheapest)."""
        return tuple(sorted(self.prices.servers, key=lambda s: (s.cards * s.card_memory_gb, s.cny)))


def pack_book(prices: tuple[str, Any] | None, costs: tuple[str, Any] | None, root: str) -> CostBook:
    """The book of a pack from its raw ``prices`` and ``costs`` sections, each ``(file name, data)``;
    a section the pack lacks is taken from the bundled pack. Raises ``RuleLoadError``."""
    origin = root
    if prices is None or costs is None:
        bundled = _bundled_sections()
        origin += "".join(f"; {bundled[k][0]} from the bundled pack" for k, v in (("prices", prices), ("costs", costs))
                          if v is None)
        prices = prices or bundled["prices"]
        costs = costs or bundled["costs"]
    problems: list[str] = []
    price_section = _validate(PricesSection, prices, "prices", problems)
    cost_section = _validate(CostsSection, costs, "costs", problems)
    if price_section is not None and cost_section is not None:
        problems += check(price_section, cost_section, prices[0], costs[0])
    if problems:
        raise RuleLoadError(problems, root)
    return CostBook(price_section, cost_section, origin)  # type: ignore[arg-type]


@functools.cache
def _bundled_sections() -> dict[str, tuple[str, Any]]:
    """The bundled ``prices`` and ``costs`` sections, as read from their files."""
    import yaml

    from advisor.engine.loader import bundled_rules_dir

    out = {}
    for name, filename in (("prices", PRICES_FILE), ("costs", COSTS_FILE)):
        path = bundled_rules_dir() / filename
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        out[name] = (filename, data[name])
    return out


def _validate(model: Any, section: tuple[str, Any], name: str, problems: list[str]) -> Any:
    from pydantic import ValidationError  # validating: the cold path only

    filename, data = section
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems += [f"{filename}: {where(name, err)}" for err in exc.errors(include_url=False)]
        return None


def where(section: str, err: Any) -> str:
    """A pydantic error as ``prices.items.electricity.cny: the low end ...``."""
    path = ".".join([section, *(str(p) for p in err["loc"] if not str(p).startswith("function-"))])
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        return f"{path.rpartition('.')[0]}: unknown key '{err['loc'][-1]}'"
    if err["type"] == "missing":
        return f"{path}: required"
    value = err.get("input")
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):  # the value as written
        from advisor.errors import shown

        return f"{path}: {msg} (value given: {shown(value)})"
    return f"{path}: {msg}"


def check(prices: PricesSection, costs: CostsSection, prices_file: str, costs_file: str,
          given: frozenset[str] = frozenset()) -> list[str]:
    """Cross-references: every price a component names exists and has the unit its quantity needs.

    ``given``: the ids of the items a user's price file (``prices_file``) brought. A unit that does
    not fit is then that file's fault: it is said once per item, at ``prices.items.ID.unit``,
    with every place the cost model uses the price; otherwise at each place in ``costs_file``.
    """
    problems: list[str] = []
    items = prices.items
    voc = vocabulary()
    modes = voc.outputs["modes"]
    uses: dict[str, list[tuple[str, tuple[str, ...]]]] = {}  # item id -> (where, the units that fit there)

    def need(item_id: str, units: tuple[str, ...], where_: str) -> PriceItem | None:
        item = items.get(item_id)
        if item is None:
            problems.append(f"{costs_file}: {where_}: no price item '{item_id}' in {prices_file}"
                            f"{_suggest(item_id, items)}")
        elif item.unit not in units:
            uses.setdefault(item_id, []).append((where_, units))
        return item

    for mode in costs.modes:
        if mode not in modes:
            problems.append(f"{costs_file}: costs.modes: '{mode}' is not a deployment mode{_suggest(mode, modes)}; "
                            f"allowed: {', '.join(modes)}")
    for mode in modes:
        if mode not in costs.modes:
            problems.append(f"{costs_file}: costs.modes: no components for the mode '{mode}'")
    for mode, components in costs.modes.items():
        for component in components:
            for alt in component.alternatives():
                at = f"costs.modes.{mode}.{component.id}"
                quantity = alt.quantity if isinstance(alt.quantity, str) else None
                if quantity in _METERED:
                    if alt.per != "month":
                        problems.append(f"{costs_file}: {at}: '{quantity}' is counted per month: use 'per: month'")
                    need(alt.price, (_METERED[quantity],), at)  # type: ignore[index]
                elif quantity in ("users", "staff_users"):
                    if alt.per != "year":
                        problems.append(f"{costs_file}: {at}: a price per user per year is paid 'per: year'")
                    need(alt.price, ("CNY/user/year",), at)
                elif quantity in ("one", "hardware"):
                    if alt.price in given and alt.per in _PER_FOR_UNIT.values():
                        # a user's item paid as the cost model says: its unit must be that payment's
                        need(alt.price, tuple(u for u, per in _PER_FOR_UNIT.items() if per == alt.per), at)
                        continue
                    item = need(alt.price, tuple(_PER_FOR_UNIT), at)
                    if item is not None and item.unit in _PER_FOR_UNIT and _PER_FOR_UNIT[item.unit] != alt.per:
                        problems.append(f"{costs_file}: {at}: the price '{alt.price}' is in {item.unit}: "
                                        f"use 'per: {_PER_FOR_UNIT[item.unit]}'")
                else:  # a count of something (person-days): priced per unit, paid once or yearly
                    if alt.per == "month":
                        problems.append(f"{costs_file}: {at}: a fixed quantity is paid 'per: once' or 'per: year'")
                    need(alt.price, ("CNY/person-day",), at)
    need(costs.power.electricity, ("CNY/kWh",), "costs.power.electricity")
    need(costs.power.pue, ("ratio",), "costs.power.pue")
    need(costs.break_even.api_input, ("CNY/million tokens",), "costs.break_even.api_input")
    need(costs.break_even.api_output, ("CNY/million tokens",), "costs.break_even.api_output")
    need(costs.break_even.rental, ("CNY/card-hour",), "costs.break_even.rental")
    for item_id, wrong in uses.items():
        unit = items[item_id].unit
        fits = set.intersection(*(set(units) for _, units in wrong))
        if item_id in given and fits:  # one unit fits every use: the user's file gave another
            places = ", ".join(w for w, _ in wrong)
            problems.append(f"{prices_file}: prices.items.{item_id}.unit: {unit} does not fit how {costs_file} "
                            f"uses this price ({places}): use {' or '.join(u for u in UNITS if u in fits)}")
            continue
        problems += [f"{costs_file}: {w}: the price '{item_id}' is in {unit}; this use needs {' or '.join(units)}"
                     for w, units in wrong]
    for item_id, item in items.items():
        problems += out_of_bounds(item, item_id, prices_file)
    as_text = costs.usage.priced_as_text
    for modality in as_text.modalities if as_text else ():
        if modality not in voc.enums["modality"]:
            problems.append(f"{costs_file}: costs.usage.priced_as_text.modalities: '{modality}' is not a modality"
                            f"{_suggest(modality, voc.enums['modality'])}")
    use_cases = voc.enums["use_case"]
    for use_case in costs.usage.daily_tokens_by_use_case:
        if use_case not in use_cases:
            problems.append(f"{costs_file}: costs.usage.daily_tokens_by_use_case: '{use_case}' is not a use case"
                            f"{_suggest(use_case, use_cases)}")
    if not prices.servers:
        problems.append(f"{prices_file}: prices.servers: list at least one server")
    ids = [s.id for s in prices.servers]
    for twice in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"{prices_file}: prices.servers: the id '{twice}' is used twice")
    return problems


def out_of_bounds(item: PriceItem, item_id: str, prices_file: str) -> list[str]:
    """Each figure of ``item`` outside its bounds (``min``, ``max``), as a problem of ``prices_file``."""
    def shown(x: float) -> str:
        return str(int(x)) if float(x).is_integer() and abs(x) < 1e16 else repr(float(x))

    out = []
    for at, (low, high) in item.figures():
        if item.min is not None and low < item.min:
            out.append(f"{prices_file}: prices.items.{item_id}.{at}: {shown(low)} is below {shown(item.min)}, "
                       "the least this price can be ('min' in the price book)")
        if item.max is not None and high > item.max:
            out.append(f"{prices_file}: prices.items.{item_id}.{at}: {shown(high)} is above {shown(item.max)}, "
                       "the most this price can be ('max' in the price book)")
    return out


def _tightest(low: float | None, high: float | None, pick: Any) -> float | None:
    return low if high is None else high if low is None else pick(low, high)


def _suggest(word: str, choices: Any) -> str:
    import difflib  # only a run with a misspelling pays for it

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --- a user's price file ---------------------------------------------------------------------------


def read_price_file(path: str | Path) -> PricesSection:
    """The price file ``path`` (``--prices FILE``), read and validated on its own: the shape of
    prices.yaml (``prices:`` with ``items:`` and/or ``servers:``), at most
    ``advisor.bounded.PRICE_FILE_BYTES`` (1 MB), UTF-8, read as rule files are
    (``advisor.safe_load``: a key given twice is an error, ``no`` is text, a date is checked as
    a date). Raises ``PriceBookError`` naming the file, the field, the value and what is allowed.
    ``advisor.options`` calls it when the command starts; ``with_overrides`` checks the items
    against the pack's book."""
    from advisor.bounded import PRICE_FILE_BYTES, TooLarge, read_bounded
    from advisor.safe_load import DATA, DocumentError, load_yaml

    name = str(path)
    try:
        text = read_bounded(path, PRICE_FILE_BYTES).decode("utf-8-sig")
    except OSError as exc:
        raise PriceBookError(f"{name}: cannot read the price file: {exc.strerror or exc}") from None
    except TooLarge as exc:
        raise PriceBookError(f"{name}: larger than {exc.size} (a price file is a few KB); is it the right file?") from None
    except UnicodeDecodeError as exc:
        raise PriceBookError(f"{name}: the price file is not UTF-8 text (byte {exc.start})") from None
    try:
        raw = load_yaml(text, DATA)
    except DocumentError as exc:
        at = f" {exc.where}:" if exc.where else ""
        raise PriceBookError(f"{name}:{at} broken YAML: {exc.reason}") from None
    if not isinstance(raw, dict) or set(raw) != {"prices"} or not isinstance(raw["prices"], dict):
        raise PriceBookError(f"{name}: a price file is a mapping with one key, 'prices:', holding 'items:' "
                             "and/or 'servers:' as in the bundled rules/prices.yaml")
    problems: list[str] = []
    given = _validate(PricesSection, (name, raw["prices"]), "prices", problems)
    if given is None:
        raise PriceBookError.of(name, problems)
    return given


def with_overrides(book: CostBook, path: str | Path) -> CostBook:
    """``book`` with the items and servers of the price file ``path`` in place of its own.

    The file has the shape of prices.yaml: ``prices:`` with ``items:`` (each replaces the item of
    the same id, which must exist) and/or ``servers:`` (each replaces the server of the same id,
    or adds one). Raises ``PriceBookError`` naming the file and the problem.
    """
    name = str(path)
    given = read_price_file(path)
    problems: list[str] = []
    items = dict(book.prices.items)
    for item_id, item in given.items.items():
        own = items.get(item_id)
        if own is None:
            problems.append(f"{name}: prices.items: no item '{item_id}' to replace{_suggest(item_id, items)}; "
                            f"the items are: {', '.join(items)}")
        else:  # the price book's bounds hold for the item that replaces its own
            item = item.model_copy(update={"min": _tightest(own.min, item.min, max),
                                           "max": _tightest(own.max, item.max, min)})
        items[item_id] = item
    servers = {s.id: s for s in book.prices.servers}
    ids = [s.id for s in given.servers]
    for twice in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"{name}: prices.servers: the id '{twice}' is used twice")
    for server in given.servers:
        servers[server.id] = server
    merged = PricesSection(items=items, servers=list(servers.values()))
    if not problems:
        problems = check(merged, book.costs, name, COSTS_FILE, frozenset(given.items))
    if problems:
        raise PriceBookError.of(name, problems)
    quotes = (*((f"prices.items.{i}", item.as_of) for i, item in given.items.items()),
              *((f"prices.servers.{s.id}", s.as_of) for s in given.servers))
    return CostBook(merged, book.costs, f"{book.origin} + {name}", quotes, name)
