"""The one adapter around trafilatura: the main text and title of an article page.

Blocking (tens of milliseconds per page): the pipeline calls ``extract_article`` through
``asyncio.to_thread``. Tuned for precision — a digest quoting a cookie banner or a
"read also" block is worse than one that falls back to the feed's teaser.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

#: Extracted text shorter than this is not an article body (a cookie notice, a gallery
#: caption, an error page); the caller keeps the teaser instead.
MIN_ARTICLE_CHARS = 200

#: Pages larger than this are cut before parsing: the article is near the top and
#: multi-megabyte pages (inline images, JSON state) only cost time.
MAX_HTML_CHARS = 2_000_000

_SPACES = re.compile(r"[ \t\u00a0]+")


@dataclass(frozen=True, slots=True)
class Article:
    """The extracted main text (paragraphs separated by newlines) and the page title."""

    text: str
    title: str | None = None


def extract_article(markup: str, *, url: str | None = None) -> Article | None:
    """The main text of an article page ``markup`` (HTML as text), or ``None``.

    Tries trafilatura in precision mode first and, when that finds nothing, once more
    in its default balance (short pages with a bare ``<article>`` need it). ``None``
    when the best result is shorter than ``MIN_ARTICLE_CHARS``.
    """
    if not markup.strip():
        return None
    markup = markup[:MAX_HTML_CHARS]
    result = _run(markup, url, favor_precision=True)
    if result is None or len(result.text) < MIN_ARTICLE_CHARS:
        fallback = _run(markup, url, favor_precision=False)
        if fallback is not None and (result is None or len(fallback.text) > len(result.text)):
            result = fallback
    if result is None or len(result.text) < MIN_ARTICLE_CHARS:
        return None
    return result


def _run(markup: str, url: str | None, *, favor_precision: bool) -> Article | None:
    import trafilatura

    try:
        raw: Any = trafilatura.extract(
            markup,
            url=url,
            output_format="json",
            with_metadata=True,
            favor_precision=favor_precision,
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
            deduplicate=False,
        )
    except Exception:  # trafilatura raises assorted lxml errors on broken markup
        return None
    if not raw:
        return None
    data: Any = json.loads(raw)
    text = _clean(str(data.get("text") or ""))
    if not text:
        return None
    title = str(data.get("title") or "").strip() or None
    if title is not None:
        # Many pages repeat the headline as the first line of the article body.
        first, _, rest = text.partition("\n")
        if first.strip().rstrip(".") == title.rstrip(".") and rest:
            text = rest
    return Article(text=text, title=title)


def _clean(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
