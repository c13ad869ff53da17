"""Amounts of CNY, token counts and ranges as people read them.

Chinese: 3,600元, 12.5万, 1.25亿; English: CNY 3,600, CNY 125k, CNY 1.25M. Three significant
digits at most, since every figure is an estimate.
"""

from __future__ import annotations


def sig(x: float) -> str:
    """At most three significant digits (whole numbers of three digits or more kept whole)."""
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}".rstrip("0").rstrip(".")
    return f"{x:.2f}".rstrip("0").rstrip(".")


_UNITS = {"zh": (("亿", 1e8), ("万", 1e4)), "en": (("B", 1e9), ("M", 1e6), ("k", 1e3))}


def _scaled(x: float, lang: str) -> str:
    for unit, size in _UNITS["zh" if lang == "zh" else "en"]:
        if x >= size * 0.9995:  # what would round to 1,000 of the smaller unit takes the larger
            return f"{sig(x / size)}{unit}"
    return sig(x)


def money(cny: float, lang: str) -> str:
    """An amount: ``12.5万`` / ``CNY 125k`` (``元`` is added below 10,000 in Chinese)."""
    text = _scaled(cny, lang)
    if lang == "zh":
        return text if text[-1] in "万亿" else f"{text}元"
    return f"CNY {text}"


def money_range(span: tuple[float, float] | list[float], lang: str) -> str:
    """A range: ``12.5万–45万`` / ``CNY 125k–450k``; one figure when both ends are the same."""
    low, high = span
    if low == high:
        return money(low, lang)
    if lang == "zh":
        first, last = money(low, lang), money(high, lang)
        return f"{first.removesuffix('元') if last.endswith('元') else first}–{last}"
    return f"CNY {_scaled(low, lang)}–{_scaled(high, lang)}"


def count(n: float, lang: str) -> str:
    """A count such as a token volume: ``1.5亿`` / ``150M``."""
    return _scaled(n, lang)


def figure_range(span: tuple[float, float], lang: str, unit: str = "") -> str:
    """A range of plain figures (kW, PUE): ``2–10``."""
    low, high = span
    text = sig(low) if low == high else f"{sig(low)}–{sig(high)}"
    return f"{text}{unit}"


def share(x: float) -> str:
    """A share as a percentage: ``75%``."""
    return f"{x * 100:.0f}%"


def share_range(span: tuple[float, float]) -> str:
    """A range of shares: ``20%–40%``."""
    low, high = span
    return share(low) if low == high else f"{share(low)}–{share(high)}"
