"""Bar charts as plain SVG, drawn on the server: geometry here, markup in a template.

A chart is a list of rows (label, value, optional segments); `bar_chart` lays them out on a
fixed grid in viewBox units, so the SVG scales with its box and needs no script. Colours are
attributes (no style), and each chart stands beside a table with the same numbers.
"""

from dataclasses import dataclass, field

# Narrow enough that a phone shows the labels near their real size; the CSS caps the width
# on a desktop.
WIDTH = 320
LABEL_WIDTH = 118
VALUE_WIDTH = 34
ROW_HEIGHT = 24
BAR_HEIGHT = 15
TOP_PAD = 6

# Status colours (stacked bars), readable on white and told apart by the legend and table too.
SEGMENT_FILLS = {
    "active": "#0f766e",
    "on_leave": "#2563eb",
    "pending": "#b45309",
    "suspended": "#b91c1c",
    "deactivated": "#6b7280",
}
BAR_FILL = "#0f766e"


@dataclass
class Segment:
    key: str
    label: str
    value: int
    x: float
    width: float
    fill: str


@dataclass
class Bar:
    label: str
    value: int
    y: int
    text_y: int
    width: float
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Chart:
    bars: list[Bar]
    height: int
    width: int = WIDTH
    bar_x: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT
    legend: list[tuple[str, str]] = field(default_factory=list)  # (label, fill)

    @property
    def value_x(self) -> int:
        return self.width - 4


def _short(label: str, limit: int = 16) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(rows) -> Chart:
    """Horizontal bars (stacked when rows carry segments) for rows of `.label`, `.value`,
    `.segments` [(key, label, value)]."""
    rows = list(rows)
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    peak = max((r.value for r in rows), default=0) or 1
    bars, legend = [], {}
    for i, row in enumerate(rows):
        y = TOP_PAD + i * ROW_HEIGHT
        bar = Bar(
            label=_short(row.label),
            value=row.value,
            y=y,
            text_y=y + BAR_HEIGHT - 3,
            width=round(span * row.value / peak, 1),
        )
        x = float(LABEL_WIDTH)
        for key, label, value in getattr(row, "segments", None) or ():
            width = round(span * value / peak, 1)
            fill = SEGMENT_FILLS.get(key, BAR_FILL)
            bar.segments.append(Segment(key, label, value, round(x, 1), width, fill))
            legend.setdefault(key, (label, fill))
            x += width
        bars.append(bar)
    order = list(SEGMENT_FILLS)
    keys = sorted(legend, key=lambda k: order.index(k) if k in order else 99)
    return Chart(
        bars=bars,
        height=TOP_PAD * 2 + max(len(rows), 1) * ROW_HEIGHT,
        legend=[legend[k] for k in keys],
    )
