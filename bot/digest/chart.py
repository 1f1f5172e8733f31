"""The weekly review's picture (pure): a ``WeeklyReview`` → PNG bytes, with matplotlib's Agg.

One function, ``render_weekly_chart``, meant to run in ``asyncio.to_thread``: it builds
its own ``Figure`` on a ``FigureCanvasAgg`` and touches no global state (no pyplot, no
rcParams — every text gets its font explicitly), so several renders may run in threads
at once. Output is deterministic: the same review gives the same bytes (the PNG carries
no time and no software stamp).

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

from bot.digest.render import plural
from bot.digest.weekly import CompanionGroup, TermCount, WeeklyReview
from bot.digest.weekly_text import week_period

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg
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

# Vertical layout, in pixels.
_PAD: Final = 44
_TITLE_H: Final = 64
_SUBTITLE_H: Final = 52
_LEGEND_H: Final = 72
_SECTION_H: Final = 84
_TERM_ROW_H: Final = 104
_GROUP_HEAD_H: Final = 64
_COMPANION_ROW_H: Final = 62
_GAP_H: Final = 28
_EMPTY_H: Final = 160
_FOOTER_H: Final = 56
_MORE_H: Final = 56
_GROUP_GAP_H: Final = 16
_TICK_PAD: Final = 16
#: Room right of the longest bar for its number; the number sits this far past a bar's end.
_HEADROOM: Final = 1.16
_NUDGE: Final = 0.015

# Horizontal layout, as fractions of the width: labels | bars | change column.
_LEFT: Final = _PAD / WIDTH_PX
_BARS_LEFT: Final = 0.42
_BARS_RIGHT: Final = 0.84
_CHANGE_X: Final = 1 - _PAD / WIDTH_PX

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
_LABEL_PX: Final = (_BARS_LEFT - _LEFT) * WIDTH_PX - _TICK_PAD - 4
_TEXT_PX: Final = WIDTH_PX - 2 * _PAD


def _stories(count: int) -> str:
    return f"{count} {plural(count, 'новость', 'новости', 'новостей')}"


class _Measure:
    """Text widths in pixels, from the figure's own Agg renderer (exact, and cheap)."""

    def __init__(self, canvas: FigureCanvasAgg) -> None:
        # matplotlib's Agg canvas has no annotation for this one method.
        self._renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]

    def width(self, text: str, font: FontProperties) -> float:
        width, _, _ = self._renderer.get_text_width_height_descent(text, font, ismath=False)
        return float(width)

    def fit(self, text: str, font: FontProperties, max_px: float, max_lines: int) -> str:
        """``text`` wrapped at words into at most ``max_lines`` lines of ``max_px``; the
        last line (or a single over-long word) cut with "…"."""
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
        while line and self.width(line + _ELLIPSIS, font) > max_px:
            line = line[:-1]
        return line.rstrip(" ,;:—–-") + _ELLIPSIS

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
    """Places blocks from the top of a figure whose height is known in pixels."""

    height: float
    y: float = 0.0  # pixels from the top already used

    def take(self, pixels: float) -> tuple[float, float]:
        """Reserve ``pixels``; return (bottom, height) in figure fractions."""
        self.y += pixels
        return 1 - self.y / self.height, pixels / self.height

    def line(self, pixels: float) -> float:
        """Reserve ``pixels``; return the figure-fraction y of the block's vertical middle."""
        bottom, size = self.take(pixels)
        return bottom + size / 2


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
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    height = _height(review)
    figure = Figure(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI, facecolor=_BACKGROUND)
    painter = _Painter(figure, FigureCanvasAgg(figure), height)
    painter.header(review)
    if review.is_empty:
        painter.note(_NOTHING)
    else:
        if review.terms:
            painter.terms(review.terms, review.more_terms)
        if review.companions:
            painter.companions(review.companions)
    painter.footer()
    buffer = io.BytesIO()
    # No "Software" chunk (and Agg writes no time): identical reviews, identical bytes.
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
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
    """Draws the blocks of the picture top to bottom on one figure."""

    def __init__(self, figure: Figure, canvas: FigureCanvasAgg, height: float) -> None:
        self._figure = figure
        self._height = height
        self._cursor = _Cursor(height)
        self._cursor.take(_PAD)
        self._fonts = _Fonts()
        self._measure = _Measure(canvas)

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
        self._figure.text(x, y, text, va="center", ha=ha, color=color, fontproperties=font)

    def _line(self, pixels: float, text: str, font: FontProperties, *, color: str = _INK) -> None:
        """A one-line block across the width: shrunk, then cut, to fit."""
        fitted = self._measure.shrink(text, font, _TEXT_PX)
        text = self._measure.fit(text, fitted, _TEXT_PX, 1)
        self._text(_LEFT, self._cursor.line(pixels), text, fitted, color=color)

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
        self._text(0.5, self._cursor.line(_EMPTY_H), text, font, color=_MUTED, ha="center")

    def footer(self) -> None:
        middle = (_PAD + _FOOTER_H / 2) / self._height
        self._text(_CHANGE_X, middle, _FOOTER, self._fonts.small, color=_MUTED, ha="right")

    def _section(self, title: str) -> None:
        self._cursor.take(_GAP_H)
        self._line(_SECTION_H, title, self._fonts.section)

    def _legend(self) -> None:
        from matplotlib.patches import Rectangle

        bottom, size = self._cursor.take(_LEGEND_H)
        middle = bottom + size / 2
        swatch_w, swatch_h = 34 / WIDTH_PX, 28 / self._height
        x = _LEFT
        for color, label in ((_THIS_WEEK, _THIS_LABEL), (_LAST_WEEK, _LAST_LABEL)):
            self._figure.add_artist(
                Rectangle(
                    (x, middle - swatch_h / 2),
                    swatch_w,
                    swatch_h,
                    transform=self._figure.transFigure,
                    color=color,
                )
            )
            self._text(x + swatch_w + 12 / WIDTH_PX, middle, label, self._fonts.label)
            x += (
                swatch_w
                + 12 / WIDTH_PX
                + (self._measure.width(label, self._fonts.label) + 64) / WIDTH_PX
            )

    def _bar_axes(self, pixels: float) -> Axes:
        bottom, size = self._cursor.take(pixels)
        axes = self._figure.add_axes((_BARS_LEFT, bottom, _BARS_RIGHT - _BARS_LEFT, size))
        axes.set_facecolor(_BACKGROUND)
        for spine in axes.spines.values():
            spine.set_visible(False)
        axes.tick_params(axis="both", length=0)
        axes.set_xticks([])
        return axes

    def _row_labels(self, axes: Axes, labels: Sequence[str], max_lines: int) -> None:
        font = self._fonts.label
        axes.set_yticks(range(len(labels)))
        axes.set_yticklabels(
            [self._measure.fit(label, font, _LABEL_PX, max_lines) for label in labels],
            fontproperties=font,
            color=_INK,
        )
        axes.tick_params(axis="y", pad=_TICK_PAD)
        axes.set_ylim(len(labels) - 0.5, -0.5)  # first row on top

    @staticmethod
    def _value(
        axes: Axes, x: float, y: float, value: int, *, font: FontProperties, color: str
    ) -> None:
        axes.text(x, y, str(value), va="center", color=color, fontproperties=font)

    def terms(self, terms: Sequence[TermCount], more: int) -> None:
        """Paired bars per subscribed country and topic, and the change beside each."""
        from matplotlib.transforms import blended_transform_factory

        fonts = self._fonts
        self._section(_TERMS_TITLE)
        self._legend()
        axes = self._bar_axes(_TERM_ROW_H * len(terms))
        rows = range(len(terms))
        top = max([*(t.this_week for t in terms), *(t.last_week for t in terms), 1])
        this_y = [row - 0.17 for row in rows]
        last_y = [row + 0.2 for row in rows]
        axes.barh(this_y, [t.this_week for t in terms], height=0.36, color=_THIS_WEEK)
        axes.barh(last_y, [t.last_week for t in terms], height=0.24, color=_LAST_WEEK)
        axes.set_xlim(0, top * _HEADROOM)
        nudge = top * _NUDGE
        # The change column sits at the figure's right margin, on each row's height.
        column = blended_transform_factory(self._figure.transFigure, axes.transData)
        for row, term in zip(rows, terms, strict=True):
            self._value(
                axes,
                term.this_week + nudge,
                this_y[row],
                term.this_week,
                font=fonts.value,
                color=_INK,
            )
            self._value(
                axes,
                term.last_week + nudge,
                last_y[row],
                term.last_week,
                font=fonts.value_light,
                color=_MUTED,
            )
            change, color = _change(term)
            axes.text(
                _CHANGE_X,
                row,
                change,
                va="center",
                ha="right",
                color=color,
                fontproperties=fonts.value,
                transform=column,
            )
        self._row_labels(axes, [term.label for term in terms], TERM_LABEL_LINES)
        if more:
            self._line(_MORE_H, _MORE_TERMS.format(count=more), fonts.small, color=_MUTED)

    def _group_head(self, label: str, stories: int) -> None:
        """«Мексика · 64 новости»: a long name is cut, the count always shows."""
        font = self._fonts.group
        suffix = _GROUP_HEAD.format(label="", stories=_stories(stories))
        room = _TEXT_PX - self._measure.width(suffix, font)
        head = self._measure.fit(label, font, room, 1) + suffix
        self._text(_LEFT, self._cursor.line(_GROUP_HEAD_H), head, font)

    def companions(self, groups: Sequence[CompanionGroup]) -> None:
        """Per subscribed country, the countries most often named beside it (one scale)."""
        fonts = self._fonts
        by_country = groups[0].code is not None
        self._section(_COMPANIONS_TITLE if by_country else _COUNTRIES_TITLE)
        top = max(companion.count for group in groups for companion in group.companions)
        for group in groups:
            if by_country:  # a topics-only list needs no head: the section title says it
                self._group_head(group.label or "", group.stories)
            companions = group.companions
            axes = self._bar_axes(_COMPANION_ROW_H * len(companions))
            counts = [companion.count for companion in companions]
            axes.barh(range(len(companions)), counts, height=0.62, color=_COMPANION)
            axes.set_xlim(0, top * _HEADROOM)
            for row, count in enumerate(counts):
                self._value(axes, count + top * _NUDGE, row, count, font=fonts.value, color=_INK)
            labels = [companion.label for companion in companions]
            self._row_labels(axes, labels, COMPANION_LABEL_LINES)
            self._cursor.take(_GROUP_GAP_H)
