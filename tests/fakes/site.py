"""A local news site for ingestion tests and benchmarks: feeds, pages and APIs on
127.0.0.1 with switchable faults.

Documents are registered per path (``site.add(path, body, …)``); the server answers
conditional GETs from the registered ``ETag``/``Last-Modified``, can be slow
(``delay``), fail a number of times (``fail``), redirect (``redirect``), stream a body
without ``Content-Length`` (``chunked``) and gzip on request. ``hits`` counts requests
per path and ``max_in_flight`` records the most concurrent requests seen.

The sample documents below (``rss2_feed`` …) are texts written for these tests in the
forms real Russian-language sites publish: RSS 2.0 with CDATA and ``content:encoded``,
Atom, RSS 1.0 (RDF), cp1251, Russian dates, relative links, teasers with article pages,
gov.kz-style JSON.

Usage::

    async with FakeSite() as site:
        site.add("/rss", rss2_feed(site.base_url))
        url = site.url("/rss")
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
from collections import Counter
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from aiohttp import web

__all__ = [
    "FakeSite",
    "Page",
    "article_page",
    "atom_feed",
    "cp1251_feed",
    "govkz_items",
    "html_listing",
    "rdf_feed",
    "refused_url",
    "rss2_feed",
    "teaser_feed",
]


@dataclass
class Page:
    """One registered document and how it is served."""

    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunked: bool = False
    fail_status: int | None = None
    fail_times: int = 0
    retry_after: str | None = None
    redirect_to: str | None = None


class FakeSite:
    """An ``aiohttp.web`` server on a free loopback port (see the module docstring)."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._runner: web.AppRunner | None = None
        self._port = 0

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def add(
        self,
        path: str,
        body: bytes | str,
        *,
        content_type: str = "application/rss+xml; charset=utf-8",
        **options: object,
    ) -> Page:
        """Register ``body`` at ``path`` (str bodies are UTF-8); options as in ``Page``."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        page = Page(body=data, content_type=content_type, **options)  # type: ignore[arg-type]
        self.pages[path] = page
        return page

    def fail(
        self, path: str, status: int, *, times: int = 10**9, retry_after: str | None = None
    ) -> None:
        """Answer ``status`` for the next ``times`` requests to ``path`` (default: always)."""
        page = self.pages.setdefault(path, Page(body=b""))
        page.fail_status = status
        page.fail_times = times
        page.retry_after = retry_after

    def redirect(self, path: str, to: str) -> None:
        """Answer ``path`` with a 302 to ``to`` (a path or a URL)."""
        self.pages[path] = Page(body=b"", redirect_to=to)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        key = request.path_qs if request.path_qs in self.pages else request.path
        self.hits[key] += 1
        self.requests.append((key, dict(request.headers)))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._respond(request, key)
        finally:
            self.in_flight -= 1

    async def _respond(self, request: web.Request, key: str) -> web.StreamResponse:
        page = self.pages.get(key)
        if page is None:
            return web.Response(status=404, text="<html><body>Не найдено</body></html>")
        if page.delay:
            await asyncio.sleep(page.delay)
        if page.fail_status is not None and page.fail_times > 0:
            page.fail_times -= 1
            headers = {"Retry-After": page.retry_after} if page.retry_after else {}
            return web.Response(status=page.fail_status, text="ошибка", headers=headers)
        if page.redirect_to is not None:
            raise web.HTTPFound(page.redirect_to)
        headers = dict(page.headers)
        if page.etag:
            headers["ETag"] = page.etag
        if page.last_modified:
            headers["Last-Modified"] = page.last_modified
        if (page.etag and request.headers.get("If-None-Match") == page.etag) or (
            page.last_modified and request.headers.get("If-Modified-Since") == page.last_modified
        ):
            return web.Response(status=304, headers=headers)
        headers["Content-Type"] = page.content_type
        body = page.body
        if "gzip" in request.headers.get("Accept-Encoding", "") and len(body) > 256:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        if page.chunked:
            response = web.StreamResponse(status=page.status, headers=headers)
            response.enable_chunked_encoding()
            await response.prepare(request)
            for start in range(0, len(body), 16 * 1024):
                await response.write(body[start : start + 16 * 1024])
            await response.write_eof()
            return response
        return web.Response(status=page.status, body=body, headers=headers)


def refused_url(path: str = "/rss") -> str:
    """A loopback URL where nothing listens (the port was free a moment ago)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


# ---------------------------------------------------------------- sample documents

PARAGRAPHS_MEXICO = (
    "Первый заместитель министра иностранных дел Республики Казахстан провёл встречу "
    "с делегацией Сената Мексиканских Соединённых Штатов во главе с председателем "
    "комитета по международным отношениям.",
    "Стороны обсудили состояние и перспективы казахстанско-мексиканского "
    "сотрудничества в политической, торгово-экономической и культурно-гуманитарной "
    "сферах, а также подготовку заседания межпарламентской группы дружбы.",
    "Казахстанская сторона предложила расширить взаимодействие в области цифровизации, "
    "искусственного интеллекта и возобновляемой энергетики, отметив интерес "
    "мексиканских компаний к проектам в Астане и Алматы.",
    "По итогам встречи договорились провести очередной раунд политических консультаций "
    "между министерствами иностранных дел двух стран в первой половине следующего года.",
)

PARAGRAPHS_TASHKENT = (
    "В Ташкенте состоялось заседание межправительственной комиссии по "
    "торгово-экономическому сотрудничеству между Узбекистаном и Кыргызстаном.",
    "Участники рассмотрели ход реализации совместных инвестиционных проектов в "
    "энергетике, транспорте и сельском хозяйстве, а также вопросы упрощения "
    "пограничных процедур для грузовых автомобилей.",
    "Стороны подписали программу сотрудничества в сфере образования на ближайшие три "
    "года, предусматривающую обмен студентами и преподавателями вузов.",
    "Следующее заседание комиссии запланировано на весну в Бишкеке.",
)

PARAGRAPHS_BAKU = (
    "Министр иностранных дел Азербайджана принял посла Республики Беларусь по случаю "
    "завершения его дипломатической миссии в Баку.",
    "Глава внешнеполитического ведомства высоко оценил вклад посла в развитие "
    "азербайджано-белорусских отношений, в том числе в промышленной кооперации и "
    "сборке сельскохозяйственной техники.",
    "Посол поблагодарил за поддержку и выразил уверенность, что двустороннее "
    "сотрудничество продолжит развиваться в интересах народов двух стран.",
)


def _join(paragraphs: tuple[str, ...]) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def rss2_feed(base: str) -> str:
    """RSS 2.0: CDATA, full text in ``content:encoded``, a relative link, an item with no
    date, an item with a Russian date, and one item repeated (same guid)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>МИД — новости</title>
  <link>{base}/</link>
  <description>Пресс-релизы</description>
  <item>
    <title><![CDATA[Казахстан и Мексика обсудили <b>межпарламентское</b> сотрудничество]]></title>
    <link>{base}/news/kz-mx?utm_source=rss&amp;utm_medium=feed</link>
    <guid isPermaLink="false">release-1</guid>
    <pubDate>Tue, 30 Sep 2025 14:05:00 +0500</pubDate>
    <description><![CDATA[<p>Первый заместитель министра провёл встречу
      с делегацией Сената Мексики&hellip;</p>]]></description>
    <content:encoded><![CDATA[{_join(PARAGRAPHS_MEXICO)}]]></content:encoded>
  </item>
  <item>
    <title>Заседание межправкомиссии Узбекистана и Кыргызстана</title>
    <link>/news/uz-kg</link>
    <guid>release-2</guid>
    <pubDate>30 сентября 2025 года, 10:00</pubDate>
    <description>В Ташкенте прошло заседание межправительственной комиссии.</description>
  </item>
  <item>
    <title>Прощальная встреча с послом Беларуси</title>
    <link>{base}/news/az-by</link>
    <guid>release-3</guid>
    <description>Министр иностранных дел Азербайджана принял посла Беларуси.</description>
  </item>
  <item>
    <title><![CDATA[Казахстан и Мексика обсудили <b>межпарламентское</b> сотрудничество]]></title>
    <link>{base}/news/kz-mx</link>
    <guid isPermaLink="false">release-1</guid>
    <pubDate>Tue, 30 Sep 2025 14:05:00 +0500</pubDate>
    <description>Повтор того же релиза.</description>
  </item>
</channel>
</rss>
"""


def atom_feed(base: str) -> str:
    """Atom 1.0 with an ``xml:base``-free relative link and ISO 8601 dates."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Посольство — новости</title>
  <id>urn:uuid:1b7e8a38-3f1e-4d0e-9a34-0a1f2f6e0001</id>
  <updated>2025-09-30T12:00:00+05:00</updated>
  <link rel="self" href="{base}/atom"/>
  <entry>
    <title>Межправкомиссия Узбекистана и Кыргызстана</title>
    <id>tag:example.org,2025:uz-kg</id>
    <link rel="alternate" type="text/html" href="{base}/news/uz-kg"/>
    <updated>2025-09-30T10:00:00+05:00</updated>
    <summary>Заседание прошло в Ташкенте.</summary>
    <content type="html">{_escape(_join(PARAGRAPHS_TASHKENT))}</content>
  </entry>
  <entry>
    <title>Прощальная встреча с послом</title>
    <id>tag:example.org,2025:az-by</id>
    <link href="{base}/news/az-by"/>
    <published>2025-09-29T16:30:00Z</published>
    <updated>2025-09-29T17:00:00Z</updated>
    <summary type="text">Министр принял посла Беларуси.</summary>
  </entry>
</feed>
"""


def rdf_feed(base: str) -> str:
    """RSS 1.0 (RDF) with ``dc:date``."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="{base}/rdf">
    <title>Агентство — лента</title>
    <link>{base}/</link>
    <description>Новости региона</description>
    <items><rdf:Seq><rdf:li rdf:resource="{base}/news/uz-kg"/></rdf:Seq></items>
  </channel>
  <item rdf:about="{base}/news/uz-kg">
    <title>Межправкомиссия Узбекистана и Кыргызстана</title>
    <link>{base}/news/uz-kg</link>
    <description>Заседание прошло в Ташкенте.</description>
    <dc:date>2025-09-30T10:00:00+05:00</dc:date>
  </item>
  <item rdf:about="{base}/news/az-by">
    <title>Прощальная встреча с послом</title>
    <link>{base}/news/az-by</link>
    <dc:date>2025-09-29</dc:date>
  </item>
</rdf:RDF>
"""


def cp1251_feed(base: str, *, declare_in_prolog: bool) -> bytes:
    """An RSS 2.0 feed in cp1251; the charset is in the prolog or (for the server's
    header) nowhere in the document."""
    prolog = (
        '<?xml version="1.0" encoding="windows-1251"?>'
        if declare_in_prolog
        else '<?xml version="1.0"?>'
    )
    text = f"""{prolog}
<rss version="2.0"><channel><title>Новости региона</title><link>{base}/</link>
<item>
  <title>Узбекистан и Кыргызстан подписали программу сотрудничества</title>
  <link>{base}/news/uz-kg</link>
  <pubDate>Tue, 30 Sep 2025 10:00:00 +0500</pubDate>
  <description>Стороны подписали программу сотрудничества в сфере образования.</description>
</item>
</channel></rss>
"""
    return text.encode("cp1251")


def teaser_feed(base: str) -> str:
    """RSS 2.0 whose items carry only teasers ending with «…»; pages at /article/*."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Лента с анонсами</title><link>{base}/</link>
<item>
  <title>Казахстан и Мексика обсудили сотрудничество</title>
  <link>/article/kz-mx</link>
  <pubDate>30.09.2025 14:05</pubDate>
  <description>Первый заместитель министра провёл встречу с делегацией Сената…</description>
</item>
<item>
  <title>Межправкомиссия Узбекистана и Кыргызстана</title>
  <link>/article/uz-kg</link>
  <pubDate>1 октября 2025 г. в 09:30</pubDate>
  <description>В Ташкенте состоялось заседание. Читать далее</description>
</item>
</channel></rss>
"""


def article_page(title: str, paragraphs: tuple[str, ...], *, charset: str = "utf-8") -> str:
    """An article page with navigation, a sidebar and a footer around the text."""
    return f"""<!DOCTYPE html>
<html lang="ru"><head><meta charset="{charset}"><title>{title} — Новости</title>
<meta property="og:title" content="{title}"></head>
<body>
<header><nav><a href="/">Главная</a> <a href="/news">Новости</a>
<a href="/contacts">Контакты</a></nav></header>
<main><article>
<h1>{title}</h1>
<time datetime="2025-09-30T14:05:00+05:00">30 сентября 2025</time>
{_join(paragraphs)}
</article>
<aside><h3>Читайте также</h3><ul><li><a href="/a">Другая новость</a></li>
<li><a href="/b">Ещё одна новость</a></li></ul></aside>
</main>
<footer><p>© Пресс-служба, 2025. Все права защищены.</p></footer>
</body></html>
"""


def html_listing() -> str:
    """A news listing page with relative links and Russian dates."""
    return """<!DOCTYPE html><html lang="ru">
<head><meta charset="utf-8"><title>Новости</title></head>
<body><div class="news-list">
  <div class="news-item"><a class="title" href="/article/kz-mx">
    Казахстан и Мексика обсудили сотрудничество</a>
    <span class="date">30 сентября 2025, 14:05</span></div>
  <div class="news-item"><a class="title" href="../article/uz-kg?utm_source=main">
    Межправкомиссия Узбекистана и Кыргызстана</a>
    <span class="date">1 окт. 2025</span></div>
  <div class="news-item"><a class="title" href="#">Пустая ссылка</a></div>
</div></body></html>
"""


def govkz_items(*, wrapped: bool) -> str:
    """A gov.kz-style news API answer: a bare list, or a ``{"content": [...]}`` page."""
    items = [
        {
            "id": 1054321,
            "title": "Казахстан и Мексика обсудили межпарламентское сотрудничество",
            "short_description": "Первый заместитель министра провёл встречу.",
            "body": _join(PARAGRAPHS_MEXICO),
            "created_date": "2025-09-30T14:05:12.345+05:00",
            "published_date": "2025-09-30T14:10:00.000+05:00",
        },
        {
            "id": 1054322,
            "title": "Прощальная встреча с послом",
            "body": "<p>Министр принял посла.</p>",
            "created_date": "2025-09-29T16:30:00",
        },
        {"id": 1054323, "title": "", "body": "<p>Без заголовка.</p>"},
    ]
    document: object = {"content": items, "totalElements": 3, "number": 0} if wrapped else items
    return json.dumps(document, ensure_ascii=False)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
