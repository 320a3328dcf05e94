"""Every badge, chip and status label in the stylesheet meets WCAG AA contrast (4.5:1 for
their small text), read from the stylesheet itself so a new badge is checked too."""

import re
from pathlib import Path

import pytest

import clinicorg

CSS = Path(clinicorg.__file__).parent / "web" / "static" / "web" / "clinicorg.css"
SMALL_LABELS = re.compile(r"\.(badge|chip|perm|notice|manager-gap)\b")


def _variables(text: str) -> dict[str, str]:
    root = re.search(r":root\s*{([^}]*)}", text).group(1)
    return dict(re.findall(r"(--[\w-]+):\s*([^;]+);", root))


def _colour(value: str, variables: dict) -> str | None:
    value = value.strip()
    match = re.fullmatch(r"var\((--[\w-]+)\)", value)
    if match:
        value = variables[match.group(1)].strip()
    return value if re.fullmatch(r"#[0-9a-fA-F]{6}", value) else None


def _luminance(hex_colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _label_rules():
    text = CSS.read_text(encoding="utf-8")
    variables = _variables(text)
    for selector, body in re.findall(r"([^{}]+){([^{}]*)}", text):
        if not SMALL_LABELS.search(selector):
            continue
        colour = re.search(r"(?<![-\w])color:\s*([^;]+);", body)
        background = re.search(r"background:\s*([^;]+);", body)
        if colour and background:
            fg, bg = _colour(colour.group(1), variables), _colour(background.group(1), variables)
            if fg and bg:
                yield selector.strip(), fg, bg


RULES = list(_label_rules())


def test_the_stylesheet_has_badges_to_check():
    assert len(RULES) >= 10


@pytest.mark.parametrize("selector,fg,bg", RULES, ids=[r[0][:60] for r in RULES])
def test_each_badge_meets_wcag_aa(selector, fg, bg):
    assert contrast(fg, bg) >= 4.5, f"{selector}: {fg} on {bg} is {contrast(fg, bg):.2f}:1"
