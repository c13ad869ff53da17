"""Amounts of CNY, token counts and ranges as people read them.

Chinese: 3,600元, 12.5万, 1.25亿, 1.2万亿; English: CNY 3,600, CNY 125k, CNY 1.25M, CNY 1.2T.
Three significant digits at most, since every figure is an estimate; from 10¹⁵ on (beyond any
amount a profile or a price may give, reached only by multiplying extreme ones) a power of ten:
7.2×10¹⁹元 / CNY 7.2×10¹⁹, never the float's noise.
"""

from __future__ import annotations


LARGEST = 1e15  # from here on a figure is written as a power of ten (7.2×10¹⁹): no unit reads it
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def power(x: float) -> str:
    """Three significant digits times a power of ten: ``7.2×10¹⁹``."""
    mantissa, exponent = f"{x:.2e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}×10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def sig(x: float) -> str:
    """At most three significant digits (whole numbers of three digits or more kept whole, up to
    ``LARGEST``; beyond it, a power of ten)."""
    if x >= LARGEST * 0.9995:
        return power(x)
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}".rstrip("0").rstrip(".")
    return f"{x:.2f}".rstrip("0").rstrip(".")


_UNITS = {"zh": (("万亿", 1e12), ("亿", 1e8), ("万", 1e4)), "en": (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3))}


def _scaled(x: float, lang: str) -> str:
    if x >= LARGEST * 0.9995:  # a thousand 万亿 / T and more
        return power(x)
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


def exact_count(n: int, lang: str) -> str:
    """A whole count in the largest unit it reaches, every digit kept: ``2,227.5万`` / ``22.275M``
    (the result of a product shown beside it)."""
    from decimal import Decimal

    for unit, size in _UNITS["zh" if lang == "zh" else "en"]:
        if n >= size:
            return f"{Decimal(int(n)) / Decimal(int(size)):,f}".rstrip("0").rstrip(".") + unit
    return f"{int(n):,}"


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
