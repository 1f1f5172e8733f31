"""Article extraction keeps the lead and leaves the chrome out: pages written for these
tests after real agency templates, and the real pages of ../shared/data/html."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.ingest.encoding import decode
from bot.ingest.extract import extract_article
from bot.nlp.text import clean_text

BODY = [
    "Стороны обсудили поставки зерна, строительство логистического центра на границе и "
    "запуск прямого грузового поезда между столицами уже в этом году.",
    "По словам министров, товарооборот за девять месяцев вырос на четверть, а число "
    "совместных предприятий превысило четыреста.",
    "Следующее заседание межправительственной комиссии пройдёт весной в Ташкенте, где "
    "планируется подписать соглашение о торговом доме.",
]
LEAD = (
    "Министры торговли Казахстана и Узбекистана подписали в Астане дорожную карту по "
    "увеличению взаимного товарооборота до десяти миллиардов долларов."
)
DATELINE_LEAD = "АСТАНА, 3 мар — Агентство Степь. " + LEAD


def _page(article: str, *, description: str = LEAD, head: str = "") -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<title>Казахстан и Узбекистан подписали дорожную карту</title>"
        f"<meta property='og:description' content='{description}'>{head}</head><body>"
        "<header class='site-header'><a href='/'>Главная</a> <a href='/news'>Новости</a></header>"
        "<nav><a href='/politics'>Политика</a> <a href='/economy'>Экономика</a></nav>"
        f"{article}"
        "<footer><p>© Агентство Степь. Все права защищены. Перепечатка запрещена.</p></footer>"
        "</body></html>"
    )


def _paragraphs(css: str = "article__text") -> str:
    return "".join(f"<p class='{css}'>{text}</p>" for text in BODY)


def _starts_with_lead(text: str) -> bool:
    return clean_text(text).startswith(LEAD[:60])


PAGES = {
    # A standfirst block before the article-body element.
    "standfirst": _page(
        "<article><h1>Казахстан и Узбекистан подписали дорожную карту</h1>"
        f"<div class='article__lead'><p>{LEAD}</p></div>"
        f"<div class='article__body' itemprop='articleBody'>{_paragraphs()}</div></article>"
    ),
    # The dateline paragraph in bold, outside the body, with the agency's byline above it.
    "dateline": _page(
        "<article><h1>Казахстан и Узбекистан подписали дорожную карту</h1>"
        "<address>3 марта 2025, 10:15 · <a rel='author' href='/a/1'>Асель Нурова</a></address>"
        f"<p><strong>{DATELINE_LEAD}</strong></p>"
        f"<div itemprop='articleBody'>{_paragraphs()}</div></article>",
        description=DATELINE_LEAD,
    ),
    # Chrome before the body with the paragraphs' own class: a live-stream promo link.
    "promo": _page(
        "<article><h1>Казахстан и Узбекистан подписали дорожную карту</h1>"
        "<p class='article__text'><a href='/live'>Прямой эфир: пресс-конференция министров "
        "торговли двух стран — смотрите трансляцию на нашем сайте</a></p>"
        f"<p class='article__text'>{LEAD}</p>{_paragraphs()}"
        "<div class='share-buttons'><a href='#'>Поделиться в Telegram</a></div></article>"
    ),
    # A div-only body: no <p> anywhere.
    "divs": _page(
        "<div class='news'><h1>Казахстан и Узбекистан подписали дорожную карту</h1>"
        f"<div class='news-text'><div>{LEAD}</div>"
        + "".join(f"<div>{text}</div>" for text in BODY)
        + "</div></div>"
    ),
    # Paragraphs with no whitespace between them (one long line of markup).
    "glued": _page(f"<article><p>{LEAD}</p>{''.join(f'<p>{t}</p>' for t in BODY)}</article>"),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_text_begins_with_the_lead(name: str) -> None:
    article = extract_article(PAGES[name])
    assert article is not None, name
    assert _starts_with_lead(article.text), article.text[:200]
    for chrome in ("Прямой эфир", "Асель Нурова", "10:15", "Поделиться", "Главная", "права"):
        assert chrome not in article.text
    assert BODY[-1][:50] in article.text


def test_glued_paragraphs_stay_apart() -> None:
    article = extract_article(PAGES["glued"])
    assert article is not None
    assert "долларов.Стороны" not in article.text
    assert len(article.text.split("\n")) >= 4


def test_a_page_with_no_charset_anywhere() -> None:
    page = PAGES["standfirst"].replace("<meta charset='utf-8'>", "").encode("cp1251")
    article = extract_article(decode(page, "text/html"))
    assert article is not None
    assert _starts_with_lead(article.text)


def test_description_alone_is_not_made_into_text() -> None:
    # The description says something the page does not: it is not the article's lead.
    page = _page(
        f"<article><div itemprop='articleBody'>{_paragraphs()}</div></article>",
        description="Самые важные новости дня и недели в одном месте: читайте на нашем сайте.",
    )
    article = extract_article(page)
    assert article is not None
    assert article.text.startswith(BODY[0][:40])


# --- real pages -----------------------------------------------------------------------------

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "html"
REAL = sorted(DATA.glob("*.html")) if DATA.is_dir() else []
_ARTICLE_P = re.compile(r"<article\b.*?<p[^>]*>(.*?)(?=<p|</p>|</article>)", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@pytest.mark.shared_data
@pytest.mark.skipif(not REAL, reason="../shared/data is not beside the project")
@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_real_page_begins_with_its_lead(path: Path) -> None:
    markup = decode(path.read_bytes(), "text/html")
    article = extract_article(markup)
    assert article is not None
    first = _ARTICLE_P.search(markup)
    description = re.search(r"og:description\" content=\"([^\"]+)", markup)
    stored = clean_text(article.text)
    assert not stored.startswith(("by ", "Фото", "Источник", "Есть обновление"))
    if first is not None:
        expected = " ".join(_TAG.sub(" ", first.group(1)).split())
    elif description is not None:
        expected = description.group(1)
    else:  # an AMP page with neither: the lead is whatever the body opens with
        return
    assert stored[:40] == clean_text(expected)[:40], stored[:120]
