"""Telegram HTML → terminal text, so the demo shows a digest as it would look in the chat.

Telegram's HTML subset (``<b>``, ``<i>``, ``<u>``, ``<s>``, ``<a href>``, ``<code>``,
``<pre>``, ``<blockquote>``, ``<tg-spoiler>``) becomes ANSI styles when ``color`` is on:
bold, italics, underline, strike-through, links blue and underlined with their URL after
them (a terminal cannot hide a link target the way Telegram does). With ``color`` off
the result is plain text, links still followed by their URL, for pipes and logs.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Final

#: SGR codes per Telegram tag (several tags share one style).
_STYLES: Final[dict[str, str]] = {
    "b": "1",
    "strong": "1",
    "i": "3",
    "em": "3",
    "u": "4",
    "ins": "4",
    "s": "9",
    "strike": "9",
    "del": "9",
    "a": "34;4",
    "code": "36",
    "pre": "36",
    "tg-spoiler": "2",
    "span": "2",  # <span class="tg-spoiler">
    "blockquote": "3",
}
#: How a link's URL is shown after its text.
_URL_STYLE: Final = "2"
_RESET: Final = "\x1b[0m"
#: Telegram draws a bar beside quotes; a terminal gets it at the start of each line.
_QUOTE_BAR: Final = "▎ "


def telegram_html_to_terminal(markup: str, *, color: bool) -> str:
    """The text of a Telegram HTML message as a terminal shows it (see the module doc).

    Entities are decoded; unknown tags are dropped with their text kept.
    """
    renderer = _Renderer(color=color)
    renderer.feed(markup)
    renderer.close()
    return renderer.text()


def sgr(text: str, codes: str, *, color: bool) -> str:
    """``text`` in the ANSI style ``codes`` («1» bold, «2» dim …) when ``color`` is on."""
    return f"\x1b[{codes}m{text}{_RESET}" if color and text else text


class _Renderer(HTMLParser):
    def __init__(self, *, color: bool) -> None:
        super().__init__(convert_charrefs=True)
        self._color = color
        self._out: list[str] = []
        self._open: list[str] = []  # tags with a style, innermost last
        self._links: list[str | None] = []  # hrefs of the open <a> tags
        self._link_text: list[list[str]] = []
        self._quote_depth = 0

    def text(self) -> str:
        return "".join(self._out)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _STYLES:
            return
        self._open.append(tag)
        if tag == "a":
            self._links.append(dict(attrs).get("href"))
            self._link_text.append([])
        elif tag == "blockquote":
            self._quote_depth += 1
            self._out.append(_QUOTE_BAR)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self._open:
            return
        # Close up to the matching tag: Telegram markup is well nested, this is defence.
        while self._open:
            closed = self._open.pop()
            if closed == "a":
                self._end_link()
            elif closed == "blockquote":
                self._quote_depth -= 1
            if closed == tag:
                break

    def _end_link(self) -> None:
        href = self._links.pop()
        label = "".join(self._link_text.pop()).strip()
        if href and href != label:
            self._out.append(" " + sgr(f"({href})", _URL_STYLE, color=self._color))

    def handle_data(self, data: str) -> None:
        if self._link_text:
            self._link_text[-1].append(data)
        if self._quote_depth:
            data = data.replace("\n", "\n" + _QUOTE_BAR)
        codes = ";".join(_STYLES[tag] for tag in self._open)
        if not codes:
            self._out.append(data)
            return
        # Style each line on its own so a reset never leaks across the line break.
        self._out.append(
            "\n".join(sgr(line, codes, color=self._color) for line in data.split("\n"))
        )
