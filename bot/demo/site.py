"""The demo's local web site: one RSS feed per invented outlet and an article page per release.

``DemoSite`` serves the bundled samples on 127.0.0.1 at a free port, shaped like the
real sources so that the real pipeline does its whole job: feed items carry only a
teaser (the first sentence) and a link, so the article page must be fetched and its
main text extracted from a page with navigation, share buttons, "read also" and footer
boilerplate around the ``<article>``. Publication dates are ``hours_ago`` before the
injected ``now``, written in RFC 822 with the outlet's own UTC offset.

    async with DemoSite(now=clock()) as site:
        sources = site.sources_toml()  # DESIGN §4, pointing at the feeds below
        # GET {site.base_url}/feeds/mfa.xml, {site.base_url}/news/<id>.html, …
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from datetime import datetime
from email.utils import format_datetime
from types import TracebackType
from typing import Final, Self

from aiohttp import web

from bot.clock import utc_now
from bot.demo.samples import Outlet, SampleRelease, Samples, load_samples
from bot.presentation import MONTHS_GENITIVE

#: Loopback only: the demo must never be reachable from the network.
HOST: Final = "127.0.0.1"

#: How many other releases of the same outlet the "read also" block lists: enough to
#: look like a real page and to tempt a careless extractor.
RELATED_LINKS: Final = 3

_RSS_TYPE: Final = "application/rss+xml"
_ATOM_NS: Final = "http://www.w3.org/2005/Atom"
#: Site navigation of each outlet (menu items only; they lead nowhere, as on a mirror).
_NAV: Final[dict[str, tuple[str, ...]]] = {
    "mfa": ("Министерство", "Внешняя политика", "Консульские вопросы", "Пресс-служба", "Контакты"),
    "embassy-mx": ("Посольство", "Казахстан и Мексика", "Консульский отдел", "Новости"),
    "vestnik": ("Экономика", "Финансы", "Энергетика", "Технологии", "Регионы", "Мнения"),
    "eurasia": ("Политика", "Экономика", "Общество", "Культура", "Спорт", "Фото"),
}
_DEFAULT_NAV: Final = ("Главная", "Новости", "Контакты")


class DemoSite:
    """The local site, started and stopped with ``async with``.

    ``now`` (aware) fixes every publication time; it defaults to the real clock once,
    at construction. ``samples`` defaults to the bundled ``releases.json``. The server
    binds ``HOST`` on ``port`` (0: a free port chosen by the system).
    """

    def __init__(
        self,
        *,
        now: datetime | None = None,
        samples: Samples | None = None,
        port: int = 0,
    ) -> None:
        now = utc_now() if now is None else now
        if now.tzinfo is None:
            raise ValueError("DemoSite needs an aware 'now'")
        self.now = now
        self.samples = load_samples() if samples is None else samples
        self._port = port
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._feeds = {outlet.feed: outlet for outlet in self.samples.outlets}
        self._releases = {release.id: release for release in self.samples.releases}

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Bind and serve; ``base_url`` is known afterwards."""
        app = web.Application()
        app.router.add_get("/", self._index)
        app.router.add_get("/feeds/{feed}.xml", self._feed)
        app.router.add_get("/news/{release_id}.html", self._article)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, HOST, self._port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        port = runner.addresses[0][1]
        self._base_url = f"http://{HOST}:{port}"

    async def close(self) -> None:
        """Stop serving; safe to call twice."""
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        self._base_url = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` without a trailing slash; only while running."""
        if self._base_url is None:
            raise RuntimeError("DemoSite is not running")
        return self._base_url

    def feed_url(self, outlet: Outlet) -> str:
        return f"{self.base_url}/feeds/{outlet.feed}.xml"

    def article_url(self, release: SampleRelease) -> str:
        return f"{self.base_url}/news/{release.id}.html"

    def sources_toml(self) -> str:
        """The sources file (DESIGN §4) for this site's feeds: one ``rss`` source per
        outlet, with ``country`` where the outlet has one."""
        lines = [
            "# Demo outlets served by bot.demo.site on this machine only.",
            "",
        ]
        for outlet in self.samples.outlets:
            lines += [
                "[[source]]",
                f"name = {_toml_string(outlet.name)}",
                f"url = {_toml_string(self.feed_url(outlet))}",
                'kind = "rss"',
            ]
            if outlet.country is not None:
                lines.append(f"country = {_toml_string(outlet.country)}")
            lines.append("")
        return "\n".join(lines)

    # --- handlers -----------------------------------------------------------------

    async def _index(self, request: web.Request) -> web.Response:
        items = "\n".join(
            f'<li><a href="/feeds/{outlet.feed}.xml">{html.escape(outlet.name)}</a> — '
            f"{html.escape(outlet.description)}</li>"
            for outlet in self.samples.outlets
        )
        body = (
            '<!DOCTYPE html>\n<html lang="ru"><head><meta charset="utf-8">'
            "<title>Депеша: демо-источники</title></head><body>"
            f"<h1>Демо-источники</h1><ul>{items}</ul></body></html>"
        )
        return web.Response(text=body, content_type="text/html", charset="utf-8")

    async def _feed(self, request: web.Request) -> web.Response:
        outlet = self._feeds.get(request.match_info["feed"])
        if outlet is None:
            raise web.HTTPNotFound
        return web.Response(body=self.render_feed(outlet), content_type=_RSS_TYPE, charset="utf-8")

    async def _article(self, request: web.Request) -> web.Response:
        release = self._releases.get(request.match_info["release_id"])
        if release is None:
            raise web.HTTPNotFound
        return web.Response(
            text=self.render_article(release), content_type="text/html", charset="utf-8"
        )

    # --- rendering ----------------------------------------------------------------

    def render_feed(self, outlet: Outlet) -> bytes:
        """The outlet's RSS 2.0 document: newest first, teaser and link per item."""
        releases = sorted(self.samples.releases_of(outlet), key=lambda release: release.hours_ago)
        ET.register_namespace("atom", _ATOM_NS)
        rss = ET.Element("rss", version="2.0")
        channel = ET.SubElement(rss, "channel")
        _text(channel, "title", outlet.site)
        _text(channel, "link", f"{self.base_url}/")
        _text(channel, "description", outlet.description)
        _text(channel, "language", "ru")
        ET.SubElement(
            channel,
            f"{{{_ATOM_NS}}}link",
            href=self.feed_url(outlet),
            rel="self",
            type=_RSS_TYPE,
        )
        if releases:
            _text(channel, "lastBuildDate", self._rfc822(releases[0], outlet))
        for release in releases:
            item = ET.SubElement(channel, "item")
            _text(item, "title", release.title)
            _text(item, "link", self.article_url(release))
            guid = _text(item, "guid", self.article_url(release))
            guid.set("isPermaLink", "true")
            _text(item, "pubDate", self._rfc822(release, outlet))
            _text(item, "description", release.teaser)
        document: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
        return document

    def render_article(self, release: SampleRelease) -> str:
        """The release's page: a news-site layout around one ``<article>``."""
        outlet = self.samples.outlet(release.source)
        local = release.published(self.now).astimezone(outlet.timezone)
        title = html.escape(release.title)
        site = html.escape(outlet.site)
        paragraphs = "\n".join(
            f"      <p>{html.escape(paragraph)}</p>"
            for paragraph in (
                self.samples.lead(release, self.now),
                *release.paragraphs[1:],
            )
        )
        nav = "".join(
            f'<li><a href="/#{n}">{html.escape(label)}</a></li>'
            for n, label in enumerate(_NAV.get(outlet.feed, _DEFAULT_NAV), 1)
        )
        related = "\n".join(
            f'        <li><a href="/news/{other.id}.html">{html.escape(other.title)}</a></li>'
            for other in self._related(release, outlet)
        )
        url = html.escape(self.article_url(release))
        structured = json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": release.title,
                "datePublished": local.isoformat(),
                "publisher": {"@type": "Organization", "name": outlet.site},
            },
            ensure_ascii=False,
        ).replace("</", "<\\/")
        shown_date = f"{local.day} {MONTHS_GENITIVE[local.month - 1]} {local.year}, {local:%H:%M}"
        return f"""<!DOCTYPE html>
<html lang="{release.language}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} — {site}</title>
  <meta name="description" content="{html.escape(release.teaser)}">
  <meta property="og:type" content="article">
  <meta property="og:title" content="{title}">
  <meta property="og:url" content="{url}">
  <meta property="article:published_time" content="{local.isoformat()}">
  <link rel="canonical" href="{url}">
  <script type="application/ld+json">{structured}</script>
  <style>body{{font-family:sans-serif;max-width:60rem;margin:auto}}</style>
</head>
<body>
  <div class="cookie-banner">Мы используем файлы cookie, чтобы сайт работал удобнее.
    <button type="button">Понятно</button></div>
  <header class="site-header">
    <a class="logo" href="/">{site}</a>
    <nav class="main-menu"><ul>{nav}</ul></nav>
    <form class="search" action="/search"><input name="q" placeholder="Поиск по сайту"></form>
  </header>
  <main>
    <ol class="breadcrumbs">
      <li><a href="/">Главная</a></li><li><a href="/#news">Новости</a></li>
    </ol>
    <article class="news-item">
      <h1>{title}</h1>
      <div class="news-meta"><time datetime="{local.isoformat()}">{shown_date}</time></div>
      <div class="news-body">
{paragraphs}
      </div>
    </article>
    <div class="share">Поделиться:
      <a href="#telegram">Telegram</a> <a href="#whatsapp">WhatsApp</a> <a href="#vk">ВКонтакте</a>
    </div>
    <aside class="related">
      <h2>Читайте также</h2>
      <ul>
{related}
      </ul>
    </aside>
  </main>
  <footer class="site-footer">
    <p>© {site}. Все права защищены. При использовании материалов ссылка на источник
    обязательна.</p>
    <p>Демонстрационный сайт проекта «Депеша»: тексты написаны для демонстрации.</p>
    <ul class="footer-links"><li><a href="/#contacts">Контакты</a></li>
      <li><a href="/#privacy">Политика конфиденциальности</a></li>
      <li><a href="/">RSS</a></li></ul>
  </footer>
</body>
</html>
"""

    def _related(self, release: SampleRelease, outlet: Outlet) -> list[SampleRelease]:
        others = [other for other in self.samples.releases_of(outlet) if other.id != release.id]
        others.sort(key=lambda other: abs(other.hours_ago - release.hours_ago))
        return others[:RELATED_LINKS]

    def _rfc822(self, release: SampleRelease, outlet: Outlet) -> str:
        return format_datetime(release.published(self.now).astimezone(outlet.timezone))


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string: the same escapes, UTF-8 kept as is.
    return json.dumps(value, ensure_ascii=False)
