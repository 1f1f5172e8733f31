"""The one adapter around trafilatura: the main text and title of an article page, lead
paragraph included, site chrome left out.

Blocking (tens of milliseconds per page): the pipeline calls ``extract_article`` through
``asyncio.to_thread``. Tuned for precision — a digest quoting a cookie banner or a
"read also" block is worse than one that falls back to the feed's teaser.

Precision has a cost: a lead paragraph outside the article-body element (a standfirst
block, a bold first paragraph, the dateline paragraph «МОСКВА, 3 мар — РИА Новости. …»)
is dropped on many agency templates. So the page is also read in recall mode, and a
paragraph that recall finds before the precise body is put back when the page itself
says it is the lead: it matches the page's description (``og:description``), is the
first paragraph of the ``<article>`` element, or sits in a lead block (a class such as
``lead``, ``intro``, ``standfirst``). Chrome is removed by markup before either run:
bylines (``<address>``, ``rel=author``), asides, captions, share/promo/live blocks by
their class, and paragraphs that are nothing but a link (promo lines that borrow the
paragraphs' own class) — never by their words.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

#: lxml ships no type information: its elements stay ``Any`` inside this adapter.
HtmlElement = Any

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

    Chrome is removed by markup first; trafilatura runs in precision mode and in recall
    mode; the precise text is kept (the recall one when precision finds nothing usable)
    and gets back its lead paragraph when recall found it before the body and the page
    marks it as the lead (see the module docstring). ``None`` when the best result is
    shorter than ``MIN_ARTICLE_CHARS``.
    """
    if not markup.strip():
        return None
    markup = markup[:MAX_HTML_CHARS]
    page = _parse(markup)
    leads = _Leads((), ())
    if page is not None:
        _drop_chrome(page)
        leads = _lead_candidates(page)
        markup = _serialize(page) or markup
    precise = _run(markup, url, favor_precision=True)
    recall = _run(markup, url, favor_precision=False)
    result = precise
    too_short = result is None or len(result.text) < MIN_ARTICLE_CHARS
    if too_short and recall is not None and (result is None or len(recall.text) > len(result.text)):
        result = recall
    if result is None or len(result.text) < MIN_ARTICLE_CHARS:
        return None
    if recall is not None and leads:
        result = Article(text=_with_lead(result.text, recall.text, leads), title=result.title)
    return result


# --- chrome ---------------------------------------------------------------------------------

#: Class or id words of blocks that are never article text (split on «-», «_», spaces).
_CHROME_TEXT = """author authors byline promo banner advert ads adv share sharing social subscribe
    subscription related readmore read-also tags breadcrumbs breadcrumb live onair
    newsletter comments"""
_CHROME_WORDS = frozenset(_CHROME_TEXT.split())
_CHROME_TAGS = ("address", "aside", "figcaption", "nav", "footer", "form", "button")
#: A paragraph whose text is at least this share link text is a promo or a link list.
LINK_PARAGRAPH_SHARE = 0.8
_WORD_SPLIT = re.compile(r"[\s_\-]+")


def _parse(markup: str) -> HtmlElement | None:
    import lxml.html  # type: ignore[import-untyped]  # no stubs
    from lxml import etree

    try:
        root: HtmlElement = lxml.html.document_fromstring(markup)
    except (etree.ParserError, ValueError):
        return None
    return root


def _serialize(page: HtmlElement) -> str:
    import lxml.html

    text: Any = lxml.html.tostring(page, encoding="unicode")
    return str(text)


def _words_of(element: HtmlElement) -> set[str]:
    marks = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    return set(_WORD_SPLIT.split(marks)) if marks.strip() else set()


def _drop_chrome(page: HtmlElement) -> None:
    """Remove bylines, asides, captions, chrome blocks by class, and link-only paragraphs."""
    doomed: list[HtmlElement] = []
    for element in page.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in ("html", "body", "article", "main"):
            continue
        if (
            tag in _CHROME_TAGS
            or "author" in (element.get("rel") or "").split()
            or _words_of(element) & _CHROME_WORDS
            or (tag == "p" and _is_link_paragraph(element))
        ):
            doomed.append(element)
    for element in doomed:
        parent = element.getparent()
        if parent is not None:
            element.drop_tree()


def _is_link_paragraph(paragraph: HtmlElement) -> bool:
    text = " ".join(paragraph.text_content().split())
    if not text:
        return False
    linked = sum(len(" ".join(a.text_content().split())) for a in paragraph.iter("a"))
    return linked / len(text) >= LINK_PARAGRAPH_SHARE


# --- the lead -------------------------------------------------------------------------------

#: Class words of lead blocks (standfirst, intro …).
_LEAD_TEXT = "lead lede intro standfirst subtitle summary announce anons excerpt description"
_LEAD_WORDS = frozenset(_LEAD_TEXT.split())
_DESCRIPTION_XPATH = (
    "//meta[@property='og:description' or @name='description' "
    "or @name='twitter:description']/@content"
)
#: Two texts are the same paragraph when their first characters agree (descriptions are
#: often the lead cut short).
MATCH_PREFIX_CHARS = 60
#: A shorter text cannot be recognised as a lead: a label or a date.
MIN_LEAD_CHARS = 40
_NON_WORD = re.compile(r"[\W_]+")


def _fingerprint(text: str) -> str:
    return _NON_WORD.sub("", text.lower().replace("ё", "е"))


def _same(a: str, b: str) -> bool:
    fa, fb = _fingerprint(a), _fingerprint(b)
    n = min(len(fa), len(fb), MATCH_PREFIX_CHARS)
    return n >= MIN_LEAD_CHARS // 2 and fa[:n] == fb[:n]


@dataclass(frozen=True, slots=True)
class _Leads:
    """What the page says its lead is: its descriptions (meta tags) and, in page order,
    the texts its markup marks — the first paragraph of ``<article>`` and lead blocks."""

    descriptions: tuple[str, ...]
    marked: tuple[tuple[str, bool], ...]  # (text, marked by a lead class)

    def __bool__(self) -> bool:
        return bool(self.descriptions or self.marked)

    def all(self) -> list[str]:
        return [*self.descriptions, *(text for text, _ in self.marked)]


#: A lead block longer than this is the article itself, not its standfirst.
MAX_LEAD_CHARS = 800


def _lead_candidates(page: HtmlElement) -> _Leads:
    """The page's own word on its lead (read after the chrome is dropped)."""
    descriptions = [" ".join(str(v).split()) for v in page.xpath(_DESCRIPTION_XPATH)]
    marked: list[tuple[str, bool]] = []
    for article in page.xpath("//article")[:1]:
        for block in article.iter("p", "div"):
            text = " ".join(block.text_content().split())
            if len(text) >= MIN_LEAD_CHARS and (block.tag == "p" or not len(block)):
                marked.append((text, False))
                break
    for element in page.iter():
        if isinstance(element.tag, str) and _words_of(element) & _LEAD_WORDS:
            text = " ".join(element.text_content().split())
            if MIN_LEAD_CHARS <= len(text) <= MAX_LEAD_CHARS:
                marked.append((text, True))
    return _Leads(
        descriptions=tuple(d for d in descriptions if len(d) >= MIN_LEAD_CHARS),
        marked=tuple(marked),
    )


def _with_lead(precise: str, recall: str, leads: _Leads) -> str:
    """``precise`` with its lead put back: the paragraphs ``recall`` found before the
    precise body that the page marks as its lead; failing that, a text the page's markup
    marks as its lead that is confirmed by a lead class or by the description."""
    body = precise.split("\n")
    known = leads.all()
    if any(_same(body[0], lead) for lead in known):
        return precise
    before: list[str] = []
    for paragraph in recall.split("\n"):
        if _same(paragraph, body[0]) or _fingerprint(paragraph) == _fingerprint(body[0]):
            break
        before.append(paragraph)
    else:
        before = []  # recall never reached the precise body: nothing to compare
    kept = [p for p in before if any(_same(p, lead) for lead in known)]
    if kept:
        start = before.index(kept[0])
        # The lead and whatever recall keeps between it and the body (a second lead line).
        lead_block = [p for p in before[start:] if not any(_same(p, q) for q in body[:3])]
        return "\n".join([*lead_block, *body])
    for text, by_class in leads.marked:
        if any(_same(text, paragraph) for paragraph in body):
            continue
        if by_class or any(_same(text, d) for d in leads.descriptions):
            return "\n".join([text, *body])
    return precise


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
