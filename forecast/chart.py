"""Geometry of the forecast's stacked bar chart, server-rendered as SVG: one bar per week, one segment per source.

Pure: the template draws the rectangles this computes, in a viewBox of CHART_WIDTH x CHART_HEIGHT units.
"""

from dataclasses import dataclass
from decimal import Decimal

from forecast.rules import SOURCES, CurrencyForecast, Source

CHART_WIDTH = 130
CHART_HEIGHT = 50
_SLOT = Decimal(CHART_WIDTH) / 13
_BAR = _SLOT * Decimal("0.7")
_PLACES = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Segment:
    source: Source
    amount: Decimal
    y: Decimal
    height: Decimal


@dataclass(frozen=True, slots=True)
class Bar:
    week: int
    x: Decimal
    width: Decimal
    total: Decimal
    segments: tuple[Segment, ...]


def chart_bars(*, forecast: CurrencyForecast) -> tuple[Bar, ...]:
    """The bars of one currency, scaled so the tallest week fills the height; sources stack bottom-up in
    SOURCES order, and empty segments are left out."""
    tallest = max((week.total for week in forecast.weeks), default=Decimal(0))
    scale = Decimal(CHART_HEIGHT) / tallest if tallest > 0 else Decimal(0)
    bars = []
    for week in forecast.weeks:
        top, segments = Decimal(CHART_HEIGHT), []
        for source in SOURCES:
            amount = week.by_source[source]
            if amount <= 0:
                continue
            height = (amount * scale).quantize(_PLACES)
            top -= height
            segments.append(Segment(source=source, amount=amount, y=top.quantize(_PLACES), height=height))
        x = (_SLOT * (week.week - 1) + (_SLOT - _BAR) / 2).quantize(_PLACES)
        bars.append(Bar(week=week.week, x=x, width=_BAR.quantize(_PLACES), total=week.total, segments=tuple(segments)))
    return tuple(bars)
