"""Geometry of the cohort chart: one stacked bar per competence, drawn as SVG by a template."""

from dataclasses import dataclass

from lms.competence.queries import STATUSES

WIDTH, LABEL_WIDTH, BAR_HEIGHT, GAP, LEGEND_HEIGHT = 640, 60, 28, 12, 30
BAR_WIDTH = WIDTH - LABEL_WIDTH - 10
# Narrower segments keep their count in the table below the chart, not in the bar.
MIN_LABEL_WIDTH = 34


@dataclass(frozen=True)
class Segment:
    status: str
    count: int
    x: float
    width: float
    show_count: bool


@dataclass(frozen=True)
class Bar:
    code: str
    y: float
    total: int
    segments: list[Segment]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_width: int
    bar_height: int
    bars: list[Bar]
    statuses: tuple[str, ...]


def distribution_chart(distribution: dict[str, dict[str, int]]) -> Chart:
    """Bars of equal length (100 % of the cohort) split by status, in the order of STATUSES."""
    bars = []
    for index, (code, counts) in enumerate(distribution.items()):
        total = sum(counts.values())
        x, segments = float(LABEL_WIDTH), []
        for status in STATUSES:
            count = counts.get(status, 0)
            if not count:
                continue
            width = BAR_WIDTH * count / total
            segments.append(
                Segment(status, count, round(x, 2), round(width, 2), width >= MIN_LABEL_WIDTH)
            )
            x += width
        bars.append(Bar(code, LEGEND_HEIGHT + index * (BAR_HEIGHT + GAP), total, segments))
    height = LEGEND_HEIGHT + len(bars) * (BAR_HEIGHT + GAP)
    return Chart(WIDTH, height, LABEL_WIDTH, BAR_HEIGHT, bars, STATUSES)
