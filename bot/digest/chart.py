"""The weekly review's picture (pure): a ``WeeklyReview`` → PNG bytes, with matplotlib's Agg.

One function, ``render_weekly_chart``, meant to run in ``asyncio.to_thread``: it builds
its own ``Figure`` and draws it on its own ``RendererAgg``, touching no global state (no
pyplot, no rcParams — every text gets its font explicitly), so several renders may run
in threads at once. Output is deterministic: the same review gives the same bytes (the
PNG is written by Pillow, which matplotlib already depends on, with no time and no
software stamp).

Speed: there are no Axes — bars are rectangles and labels are texts placed in figure
coordinates computed here — because axis machinery (locators, tick artists) was half the
render time; the PNG is RGB at a light zlib level, a quarter of the encoding time of
matplotlib's default for a picture that is mostly flat colour anyway.

Layout is computed in pixels, top to bottom, so the picture is as tall as its content:
the week and its totals; paired bars — this week against the week before — for the
subscriber's countries and topics; then, per busy subscribed country, the countries
most often named beside it. The width is fixed at ``WIDTH_PX`` and the type is large
(a phone shows the picture about a third of its size).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from bot.digest.weekly import CompanionGroup, TermCount, WeeklyReview
from bot.digest.weekly_text import week_period
from bot.presentation import plural

if TYPE_CHECKING:
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

#: 1200 px: wider than Telegram's 1000 px minimum for a sharp photo on a phone, small
#: enough to encode fast (Telegram itself keeps at most 1280 px on the long side of a
#: compressed photo's largest size, so more would be thrown away).
WIDTH_PX: Final = 1200
DPI: Final = 100
#: Font sizes in points at ``DPI`` (1 pt = 1.39 px). A phone shows the picture about
#: 400 points wide, a third of its size: 26 pt labels read like 12 pt text there.
TITLE_PT: Final = 40
SUBTITLE_PT: Final = 26
SECTION_PT: Final = 30
LABEL_PT: Final = 26
VALUE_PT: Final = 24
SMALL_PT: Final = 21
#: Row labels: a term's label may take two lines (its row is tall enough), a companion's
#: one; longer ones are cut with "…", measured in pixels against the label column.
TERM_LABEL_LINES: Final = 2
COMPANION_LABEL_LINES: Final = 1
#: Titles too wide for the picture shrink down to this size before anything is cut.
MIN_SHRINK_PT: Final = 18
#: zlib level of the PNG: 1 is several times faster than the default 6 and, on flat
#: colour, only ~20% larger (a ~200 KB picture either way).
PNG_COMPRESS_LEVEL: Final = 1

# Vertical layout, in pixels.
_PAD: Final = 44
_TITLE_H: Final = 64
_SUBTITLE_H: Final = 52
_LEGEND_H: Final = 84
_SECTION_H: Final = 84
_TERM_ROW_H: Final = 104
_GROUP_HEAD_H: Final = 64
_COMPANION_ROW_H: Final = 62
_GAP_H: Final = 28
_EMPTY_H: Final = 160
_FOOTER_H: Final = 56
_MORE_H: Final = 56
_GROUP_GAP_H: Final = 16
_LABEL_GAP: Final = 16  # between a row's label and its bar
_VALUE_GAP: Final = 8  # between a bar's end and its number
#: The longest bar takes this share of the bar column; the rest is room for its number.
_LONGEST_BAR: Final = 0.86

# Horizontal layout: labels | bars | change column, as fractions of the width.
_LEFT: Final = _PAD / WIDTH_PX
_BARS_LEFT: Final = 0.42
_BARS_RIGHT: Final = 0.84
_BARS_X: Final = _BARS_LEFT * WIDTH_PX
_BARS_PX: Final = (_BARS_RIGHT - _BARS_LEFT) * WIDTH_PX
_SWATCH: Final = 30

_FONT: Final = "DejaVu Sans"  # ships with matplotlib, has Cyrillic and ▲▼
_INK: Final = "#0f172a"
_MUTED: Final = "#64748b"
_THIS_WEEK: Final = "#2563eb"
_LAST_WEEK: Final = "#cbd5e1"
_COMPANION: Final = "#0d9488"
_UP: Final = "#15803d"
_DOWN: Final = "#b91c1c"
_BACKGROUND: Final = "white"

_THIS_LABEL = "эта неделя"
_LAST_LABEL = "неделей раньше"
_TERMS_TITLE = "Ваши страны и темы"
_COMPANIONS_TITLE = "Чаще всего упоминали вместе"
_COUNTRIES_TITLE = "Страны недели"
_TITLE = "Неделя {period}"
_GROUP_HEAD = "{label} · {stories}"
_TOTALS = "{stories} по подпискам · неделей раньше — {previous}"
_TOTALS_FIRST = "{stories} по подпискам"
_NOTHING = "За эту неделю новостей по вашим подпискам не было"
_MORE_TERMS = "и ещё {count} в подписках"
_FOOTER = "Депеша · обзор недели"
_ELLIPSIS = "…"
#: The label column's width in pixels: from the left margin to the bars, minus the tick pad.
_LABEL_PX: Final = (_BARS_LEFT - _LEFT) * WIDTH_PX - _LABEL_GAP - 4
_TEXT_PX: Final = WIDTH_PX - 2 * _PAD


def _stories(count: int) -> str:
    return f"{count} {plural(count, 'новость', 'новости', 'новостей')}"


class _Measure:
    """Text widths in pixels, from the picture's own Agg renderer (exact), remembered."""

    def __init__(self, renderer: RendererAgg) -> None:
        self._renderer = renderer
        self._widths: dict[tuple[str, float, str], float] = {}

    def width(self, text: str, font: FontProperties) -> float:
        key = (text, float(font.get_size_in_points()), str(font.get_weight()))
        width = self._widths.get(key)
        if width is None:
            # matplotlib's backend_agg has no annotations (here, and twice below).
            measured = self._renderer.get_text_width_height_descent(  # type: ignore[no-untyped-call]
                text, font, ismath=False
            )
            width = float(measured[0])
            self._widths[key] = width
        return float(width)

    def fit(self, text: str, font: FontProperties, max_px: float, max_lines: int) -> str:
        """``text`` wrapped at words into at most ``max_lines`` lines of ``max_px``; the
        last line (or a single over-long word) cut with "…"."""
        if self.width(text, font) <= max_px:
            return text
        lines: list[str] = []
        current = ""
        for word in text.split():
            trial = f"{current} {word}" if current else word
            if current and self.width(trial, font) > max_px:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
        if len(lines) > max_lines:
            lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
        return "\n".join(self._cut(line, font, max_px) for line in lines)

    def _cut(self, line: str, font: FontProperties, max_px: float) -> str:
        if self.width(line, font) <= max_px:
            return line
        # The longest prefix that fits with "…", found by bisection (widths grow with length).
        low, high = 0, len(line)
        while low < high:
            middle = (low + high + 1) // 2
            if self.width(line[:middle] + _ELLIPSIS, font) <= max_px:
                low = middle
            else:
                high = middle - 1
        return line[:low].rstrip(" ,;:—–-") + _ELLIPSIS

    def shrink(self, text: str, font: FontProperties, max_px: float) -> FontProperties:
        """``font``, made smaller (down to ``MIN_SHRINK_PT``) until ``text`` fits ``max_px``."""
        size = float(font.get_size_in_points())
        fitted = font
        while self.width(text, fitted) > max_px and size > MIN_SHRINK_PT:
            size -= 1
            fitted = font.copy()
            fitted.set_size(size)
        return fitted


@dataclass(slots=True)
class _Cursor:
    """Places blocks from the top of a picture whose height is known in pixels."""

    height: float
    y: float = 0.0  # pixels from the top already used

    def take(self, pixels: float) -> float:
        """Reserve ``pixels``; return the pixel y (from the top) of the block's top."""
        top = self.y
        self.y += pixels
        return top


class _Fonts:
    def __init__(self) -> None:
        from matplotlib.font_manager import FontProperties

        def font(size: float, weight: str = "normal") -> FontProperties:
            return FontProperties(family=_FONT, size=size, weight=weight)

        self.title = font(TITLE_PT, "bold")
        self.subtitle = font(SUBTITLE_PT)
        self.section = font(SECTION_PT, "bold")
        self.label = font(LABEL_PT)
        self.value = font(VALUE_PT, "bold")
        self.value_light = font(VALUE_PT)
        self.group = font(LABEL_PT, "bold")
        self.small = font(SMALL_PT)


def render_weekly_chart(review: WeeklyReview) -> bytes:
    """The review as a PNG: ``WIDTH_PX`` wide, as tall as its content, Russian labels.

    Handles every shape of review: an empty week (a picture saying so — though callers
    send none for an empty scheduled week), one term, many (``build_weekly_review``
    caps them and counts the rest), long names (wrapped, then cut), zero counts.
    Pure and thread-safe; CPU-bound (run it in ``asyncio.to_thread``).
    """
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.figure import Figure
    from PIL import Image

    height = round(_height(review))
    figure = Figure(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI, facecolor=_BACKGROUND)
    renderer = RendererAgg(WIDTH_PX, height, DPI)  # type: ignore[no-untyped-call]
    painter = _Painter(figure, renderer, height)
    painter.header(review)
    if review.is_empty:
        painter.note(_NOTHING)
    else:
        if review.terms:
            painter.terms(review.terms, review.more_terms)
        if review.companions:
            painter.companions(review.companions)
    painter.footer()
    figure.draw(renderer)
    pixels = renderer.buffer_rgba()  # type: ignore[no-untyped-call]
    image = Image.frombuffer("RGBA", (WIDTH_PX, height), pixels, "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    # RGB: the picture is opaque, and a quarter less data to compress. Pillow writes no
    # time or software chunk unless asked: identical reviews, identical bytes.
    image.convert("RGB").save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    # Every drawn Text keeps the renderer (a ~9 MB pixel buffer), and texts sit in
    # reference cycles that only the cyclic GC frees — late, in the oldest generation.
    # Dropping that one reference frees the buffer when this function returns, so a
    # burst of Monday-morning renders does not pile up buffers.
    for text in figure.texts:
        text._renderer = None  # type: ignore[attr-defined]  # a draw-time cache, not API
    return buffer.getvalue()


def _height(review: WeeklyReview) -> float:
    height = _PAD + _TITLE_H + _SUBTITLE_H + _FOOTER_H + _PAD
    if review.is_empty:
        return height + _EMPTY_H
    if review.terms:
        height += _GAP_H + _SECTION_H + _LEGEND_H + _TERM_ROW_H * len(review.terms)
        if review.more_terms:
            height += _MORE_H
    if review.companions:
        height += _GAP_H + _SECTION_H
        for group in review.companions:
            head = _GROUP_HEAD_H if group.code is not None else 0
            height += head + _COMPANION_ROW_H * len(group.companions) + _GROUP_GAP_H
    return height


def _change(term: TermCount) -> tuple[str, str]:
    if term.change > 0:
        return f"▲ {term.change}", _UP
    if term.change < 0:
        return f"▼ {-term.change}", _DOWN
    return "=", _MUTED


class _Painter:
    """Draws the blocks of the picture top to bottom, in pixels from the top-left."""

    def __init__(self, figure: Figure, renderer: RendererAgg, height: int) -> None:
        self._figure = figure
        self._height = height
        self._cursor = _Cursor(height)
        self._cursor.take(_PAD)
        self._fonts = _Fonts()
        self._measure = _Measure(renderer)

    # --- primitives, in pixels ---------------------------------------------------------

    def _text(
        self,
        x: float,
        y: float,
        text: str,
        font: FontProperties,
        *,
        color: str = _INK,
        ha: str = "left",
    ) -> None:
        """``text`` with its vertical middle at pixel ``y`` from the top."""
        self._figure.text(
            x / WIDTH_PX,
            1 - y / self._height,
            text,
            va="center",
            ha=ha,
            color=color,
            fontproperties=font,
        )

    def _box(self, x: float, y: float, width: float, height: float, color: str) -> None:
        """A filled rectangle, its top-left corner at pixel (``x``, ``y``) from the top."""
        from matplotlib.patches import Rectangle

        if width <= 0:
            return
        self._figure.add_artist(
            Rectangle(
                (x / WIDTH_PX, 1 - (y + height) / self._height),
                width / WIDTH_PX,
                height / self._height,
                transform=self._figure.transFigure,
                facecolor=color,
                edgecolor="none",
                linewidth=0,
            )
        )

    def _line(self, pixels: float, text: str, font: FontProperties, *, color: str = _INK) -> None:
        """A one-line block across the width: shrunk, then cut, to fit."""
        fitted = self._measure.shrink(text, font, _TEXT_PX)
        text = self._measure.fit(text, fitted, _TEXT_PX, 1)
        self._text(_PAD, self._cursor.take(pixels) + pixels / 2, text, fitted, color=color)

    def _label(self, y: float, text: str, max_lines: int) -> None:
        font = self._fonts.label
        fitted = self._measure.fit(text, font, _LABEL_PX, max_lines)
        self._text(_BARS_X - _LABEL_GAP, y, fitted, font, ha="right")

    def _bar(
        self,
        y: float,
        value: int,
        top: int,
        thickness: float,
        *,
        color: str,
        font: FontProperties,
        ink: str,
    ) -> None:
        """A bar centred on pixel ``y``, ``value`` on the scale whose longest bar is ``top``,
        with its number just past its end."""
        length = _BARS_PX * _LONGEST_BAR * value / max(1, top)
        self._box(_BARS_X, y - thickness / 2, length, thickness, color)
        self._text(_BARS_X + length + _VALUE_GAP, y, str(value), font, color=ink)

    # --- blocks ------------------------------------------------------------------------

    def header(self, review: WeeklyReview) -> None:
        fonts = self._fonts
        self._line(_TITLE_H, _TITLE.format(period=week_period(review.weeks.this)), fonts.title)
        stories = _stories(review.total)
        if review.previous_total:
            totals = _TOTALS.format(stories=stories, previous=review.previous_total)
        else:
            totals = _TOTALS_FIRST.format(stories=stories)
        self._line(_SUBTITLE_H, totals, fonts.subtitle, color=_MUTED)

    def note(self, text: str) -> None:
        font = self._measure.shrink(text, self._fonts.subtitle, _TEXT_PX)
        y = self._cursor.take(_EMPTY_H) + _EMPTY_H / 2
        self._text(WIDTH_PX / 2, y, text, font, color=_MUTED, ha="center")

    def footer(self) -> None:
        y = self._height - _PAD - _FOOTER_H / 2
        self._text(WIDTH_PX - _PAD, y, _FOOTER, self._fonts.small, color=_MUTED, ha="right")

    def _section(self, title: str) -> None:
        self._cursor.take(_GAP_H)
        self._line(_SECTION_H, title, self._fonts.section)

    def _legend(self) -> None:
        font = self._fonts.label
        y = self._cursor.take(_LEGEND_H) + _LEGEND_H / 2
        x: float = _PAD
        for color, label in ((_THIS_WEEK, _THIS_LABEL), (_LAST_WEEK, _LAST_LABEL)):
            self._box(x, y - _SWATCH / 2, _SWATCH, _SWATCH, color)
            self._text(x + _SWATCH + 12, y, label, font)
            x += _SWATCH + 12 + self._measure.width(label, font) + 48

    def terms(self, terms: Sequence[TermCount], more: int) -> None:
        """Paired bars per subscribed country and topic, and the change beside each."""
        fonts = self._fonts
        self._section(_TERMS_TITLE)
        self._legend()
        top = max([*(t.this_week for t in terms), *(t.last_week for t in terms), 1])
        for term in terms:
            row = self._cursor.take(_TERM_ROW_H)
            middle = row + _TERM_ROW_H / 2
            self._label(middle, term.label, TERM_LABEL_LINES)
            this_y, last_y = middle - 0.17 * _TERM_ROW_H, middle + 0.2 * _TERM_ROW_H
            self._bar(
                this_y,
                term.this_week,
                top,
                0.36 * _TERM_ROW_H,
                color=_THIS_WEEK,
                font=fonts.value,
                ink=_INK,
            )
            self._bar(
                last_y,
                term.last_week,
                top,
                0.24 * _TERM_ROW_H,
                color=_LAST_WEEK,
                font=fonts.value_light,
                ink=_MUTED,
            )
            change, color = _change(term)
            self._text(WIDTH_PX - _PAD, middle, change, fonts.value, color=color, ha="right")
        if more:
            self._line(_MORE_H, _MORE_TERMS.format(count=more), fonts.small, color=_MUTED)

    def _group_head(self, label: str, stories: int) -> None:
        """«Мексика · 64 новости»: a long name is cut, the count always shows."""
        font = self._fonts.group
        suffix = _GROUP_HEAD.format(label="", stories=_stories(stories))
        room = _TEXT_PX - self._measure.width(suffix, font)
        head = self._measure.fit(label, font, room, 1) + suffix
        self._text(_PAD, self._cursor.take(_GROUP_HEAD_H) + _GROUP_HEAD_H / 2, head, font)

    def companions(self, groups: Sequence[CompanionGroup]) -> None:
        """Per subscribed country, the countries most often named beside it (one scale)."""
        fonts = self._fonts
        by_country = groups[0].code is not None
        self._section(_COMPANIONS_TITLE if by_country else _COUNTRIES_TITLE)
        top = max(companion.count for group in groups for companion in group.companions)
        for group in groups:
            if by_country:  # a topics-only list needs no head: the section title says it
                self._group_head(group.label or "", group.stories)
            for companion in group.companions:
                middle = self._cursor.take(_COMPANION_ROW_H) + _COMPANION_ROW_H / 2
                self._label(middle, companion.label, COMPANION_LABEL_LINES)
                self._bar(
                    middle,
                    companion.count,
                    top,
                    0.62 * _COMPANION_ROW_H,
                    color=_COMPANION,
                    font=fonts.value,
                    ink=_INK,
                )
            self._cursor.take(_GROUP_GAP_H)
