"""HTTP fetching for ingestion: one aiohttp session, polite and bounded.

``Fetcher.fetch`` GETs one URL with connect and total timeouts, a cap on the body size
(counted after gzip decoding, so a compression bomb stops at the cap too), a cap on
redirects, a clear User-Agent, conditional GET (``If-None-Match`` /
``If-Modified-Since``; a 304 comes back as ``not_modified`` with no body), at most
``per_host_limit`` requests in flight per host, and bounded retries with exponential
backoff on 5xx, 429, timeouts and dropped connections, honouring ``Retry-After`` up to a
cap. Every failure is one ``FetchError`` whose text is a short readable reason
(«HTTP 404», «timeout after 20 s», «connection refused», «body exceeds 5 MB»,
«too many redirects») meant for the source's health record.

With ``public_only`` (article links found in feeds, ``netguard``) the request goes
through a second session whose resolver keeps public addresses only, IP literals are
checked before connecting, and redirects are followed here, each target checked the
same way.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Self

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver

from bot.hosts import is_refused as default_policy
from bot.hosts import parse_address
from bot.ingest.netguard import (
    AddressPolicy,
    AddressRefusedError,
    PublicOnlyResolver,
)
from bot.ingest.urls import host_of, resolve_url

log = logging.getLogger(__name__)

#: Identifies the bot to site owners: what it is and why it reads their pages.
USER_AGENT = "Depesha/0.1 (Telegram news-digest bot; reads public press releases)"

#: A reachable server completes the TCP/TLS handshake within a second or two; longer
#: means it is down or filtered, and waiting only delays the other sources.
CONNECT_TIMEOUT_S = 5.0
#: Whole request including the body. Feeds are under 1 MB; a slow ministry site may take
#: several seconds, a minute is never worth it.
TOTAL_TIMEOUT_S = 20.0
#: Largest body read. Feeds of 200 full-text items run to 1–2 MB; article pages to a few
#: hundred KB. Anything bigger is a misconfigured URL (a video, an archive).
MAX_BODY_BYTES = 5 * 1024 * 1024
#: Sites move feeds once or twice (http → https → www); more is a loop or a login wall.
MAX_REDIRECTS = 5
#: Attempts per fetch (1 + 2 retries): transient 5xx and timeouts usually pass within
#: seconds; a longer outage is the back-off of the source poller's business.
MAX_ATTEMPTS = 3
#: First retry delay; doubles each retry (1 s, 2 s, …).
BACKOFF_BASE_S = 1.0
#: Longest ``Retry-After`` waited in place; a longer one fails the fetch with
#: ``FetchError.retry_after`` set so the poller reschedules the source instead.
MAX_RETRY_AFTER_S = 60.0
#: Concurrent requests per host: two is the customary politeness limit, and government
#: portals (one host for every ministry and embassy) ban crawlers that open more.
PER_HOST_LIMIT = 2
#: Open connections over all hosts.
TOTAL_CONNECTION_LIMIT = 32

_READ_CHUNK = 64 * 1024
_RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 507, 520, 521, 522, 524})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

DEFAULT_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, application/json;q=0.8, text/html;q=0.7, */*;q=0.5"
)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A successful fetch: the final status and URL (after redirects), the body (empty
    when ``not_modified``), and the response headers the later stages need."""

    status: int
    url: str
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    not_modified: bool = False


class FetchError(Exception):
    """A fetch that failed; ``str(error)`` is a short readable reason.

    ``status`` is the HTTP status when there was one; ``retry_after`` (seconds) is set
    when the server asked for a pause longer than the fetcher waits in place.
    """

    def __init__(
        self,
        reason: str,
        *,
        url: str,
        status: int | None = None,
        retry_after: float | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.url = url
        self.status = status
        self.retry_after = retry_after
        self.retryable = retryable


class Fetcher:
    """Fetches URLs through one ``aiohttp.ClientSession``.

    Pass ``session`` to share one (it is then not closed here); otherwise the fetcher
    creates its own on first use and ``close()`` (or ``async with``) closes it. The
    session of ``public_only`` fetches is always the fetcher's own. ``resolver``
    replaces the system's DNS (tests map names to the local site); ``refuses`` is the
    address policy of ``public_only`` fetches. ``sleep`` is the seam tests use to skip
    backoff delays.
    """

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None = None,
        user_agent: str = USER_AGENT,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        total_timeout: float = TOTAL_TIMEOUT_S,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_redirects: int = MAX_REDIRECTS,
        max_attempts: int = MAX_ATTEMPTS,
        backoff_base: float = BACKOFF_BASE_S,
        max_retry_after: float = MAX_RETRY_AFTER_S,
        per_host_limit: int = PER_HOST_LIMIT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        resolver: AbstractResolver | None = None,
        refuses: AddressPolicy = default_policy,
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self._public_session: aiohttp.ClientSession | None = None
        self._resolver = resolver
        self._own_resolver: AbstractResolver | None = None
        self._refuses = refuses
        self._user_agent = user_agent
        self._connect_timeout = connect_timeout
        self._total_timeout = total_timeout
        self._timeout = aiohttp.ClientTimeout(
            total=total_timeout, sock_connect=connect_timeout, connect=None
        )
        self._max_body = max_body_bytes
        self._max_redirects = max_redirects
        self._max_attempts = max(1, max_attempts)
        self._backoff_base = backoff_base
        self._max_retry_after = max_retry_after
        self._per_host_limit = per_host_limit
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._sleep = sleep
        self._closed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the sessions this fetcher created. Idempotent."""
        self._closed = True
        session, self._session = self._session, None
        public, self._public_session = self._public_session, None
        resolver, self._own_resolver = self._own_resolver, None
        # Each closes even when closing the one before it failed.
        try:
            if session is not None and self._owns_session:
                await session.close()
        finally:
            try:
                if public is not None:
                    await public.close()
            finally:
                if resolver is not None:
                    await resolver.close()

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("Fetcher is closed")
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=TOTAL_CONNECTION_LIMIT, ttl_dns_cache=300, resolver=self._resolver
                ),
                auto_decompress=True,
            )
        return self._session

    def _get_public_session(self) -> aiohttp.ClientSession:
        """The session of ``public_only`` fetches: its own connector, so its DNS cache and
        pooled connections only ever hold addresses the policy allowed."""
        if self._closed:
            raise RuntimeError("Fetcher is closed")
        if self._public_session is None:
            inner = self._resolver
            if inner is None:
                inner = self._own_resolver = DefaultResolver()
            self._public_session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=TOTAL_CONNECTION_LIMIT,
                    ttl_dns_cache=300,
                    resolver=PublicOnlyResolver(inner, self._refuses),
                ),
                auto_decompress=True,
            )
        return self._public_session

    def _slot(self, host: str) -> asyncio.Semaphore:
        slot = self._host_slots.get(host)
        if slot is None:
            slot = self._host_slots[host] = asyncio.Semaphore(self._per_host_limit)
        return slot

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        headers: Mapping[str, str] | None = None,
        accept: str = DEFAULT_ACCEPT,
        public_only: bool = False,
    ) -> FetchResult:
        """GET ``url``; ``etag``/``last_modified`` from the previous fetch make it
        conditional. ``headers`` are extra request headers (an API's ``Accept-Language``).
        ``public_only`` refuses, before connecting, every address the policy refuses,
        on the first request and on every redirect («refused: … private or local …»).

        Returns a ``FetchResult`` for 2xx and 304; raises ``FetchError`` for anything
        else once the retries are spent.
        """
        if not url.lower().startswith(("http://", "https://")):
            raise FetchError("not an http(s) URL", url=url)
        request_headers = {
            "User-Agent": self._user_agent,
            "Accept": accept,
            "Accept-Language": "ru, en;q=0.5",
            "Accept-Encoding": "gzip, deflate",
        }
        if headers:
            request_headers.update(headers)
        if etag:
            request_headers["If-None-Match"] = etag
        if last_modified:
            request_headers["If-Modified-Since"] = last_modified
        slot = self._slot(host_of(url))
        attempt = 1
        while True:
            try:
                async with slot:
                    if public_only:
                        return await self._attempt_public(url, request_headers, etag, last_modified)
                    return await self._attempt(url, request_headers, etag, last_modified)
            except FetchError as error:
                delay = self._retry_delay(error, attempt)
                if delay is None:
                    raise
                log.info("retrying %s in %.1f s after: %s", url, delay, error)
                await self._sleep(delay)
                attempt += 1

    def _retry_delay(self, error: FetchError, attempt: int) -> float | None:
        if not error.retryable or attempt >= self._max_attempts:
            return None
        delay = self._backoff_base * 2.0 ** (attempt - 1)
        if error.retry_after is not None:
            delay = max(delay, error.retry_after)
        return delay

    async def _attempt(
        self,
        url: str,
        headers: dict[str, str],
        sent_etag: str | None,
        sent_last_modified: str | None,
    ) -> FetchResult:
        session = self._get_session()
        with _client_errors(url, self._connect_timeout, self._total_timeout):
            async with session.get(
                url,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=True,
                max_redirects=self._max_redirects,
            ) as response:
                return await self._result(url, response, sent_etag, sent_last_modified)

    async def _attempt_public(
        self,
        url: str,
        headers: dict[str, str],
        sent_etag: str | None,
        sent_last_modified: str | None,
    ) -> FetchResult:
        """One attempt of a ``public_only`` fetch: redirects followed here, every target
        checked before it is connected to (IP literals here, names by the resolver)."""
        session = self._get_public_session()
        target = url
        with _client_errors(url, self._connect_timeout, self._total_timeout):
            async with asyncio.timeout(self._total_timeout):
                for _ in range(self._max_redirects + 1):
                    self._check_literal(url, target)
                    async with session.get(
                        target, headers=headers, timeout=self._timeout, allow_redirects=False
                    ) as response:
                        location = response.headers.get("Location")
                        if response.status not in _REDIRECT_STATUSES or not location:
                            return await self._result(url, response, sent_etag, sent_last_modified)
                    following = resolve_url(target, location)
                    if following is None:
                        raise FetchError("redirect to a non-http(s) URL", url=url)
                    target = following
        raise FetchError("too many redirects", url=url)

    def _check_literal(self, url: str, target: str) -> None:
        host = host_of(target)
        address = parse_address(host)
        if address is not None and self._refuses(address):
            raise FetchError(f"refused: {host} is a private or local address", url=url)

    async def _result(
        self,
        url: str,
        response: aiohttp.ClientResponse,
        sent_etag: str | None,
        sent_last_modified: str | None,
    ) -> FetchResult:
        status = response.status
        final_url = str(response.url)
        if status == 304:
            return FetchResult(
                status=status,
                url=final_url,
                body=b"",
                content_type=response.headers.get("Content-Type"),
                etag=response.headers.get("ETag") or sent_etag,
                last_modified=response.headers.get("Last-Modified") or sent_last_modified,
                not_modified=True,
            )
        if status >= 300:
            raise self._status_error(url, status, response.headers.get("Retry-After"))
        body = await self._read_body(url, response)
        return FetchResult(
            status=status,
            url=final_url,
            body=body,
            content_type=response.headers.get("Content-Type"),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )

    async def _read_body(self, url: str, response: aiohttp.ClientResponse) -> bytes:
        limit = self._max_body
        declared = response.content_length
        # With gzip the declared length is the compressed one: a lower bound, still valid.
        if declared is not None and declared > limit:
            raise FetchError(f"body exceeds {format_size(limit)}", url=url)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(_READ_CHUNK):
            size += len(chunk)
            if size > limit:
                raise FetchError(f"body exceeds {format_size(limit)}", url=url)
            chunks.append(chunk)
        return b"".join(chunks)

    def _status_error(self, url: str, status: int, retry_after_header: str | None) -> FetchError:
        retryable = status in _RETRYABLE_STATUSES or 500 <= status < 600
        retry_after = parse_retry_after(retry_after_header) if retryable else None
        if retry_after is not None and retry_after > self._max_retry_after:
            return FetchError(
                f"HTTP {status}, retry after {retry_after:.0f} s",
                url=url,
                status=status,
                retry_after=retry_after,
            )
        return FetchError(
            f"HTTP {status}",
            url=url,
            status=status,
            retry_after=retry_after,
            retryable=retryable,
        )


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    ``None`` when absent or unparsable; never negative.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def format_size(size: int) -> str:
    """A byte count for people: ``5 MB``, ``1.5 MB``, ``64 KB``, ``10 bytes``."""
    mb = 1024 * 1024
    if size >= mb:
        return f"{size // mb} MB" if size % mb == 0 else f"{size / mb:.1f} MB"
    if size >= 1024:
        return f"{size // 1024} KB" if size % 1024 == 0 else f"{size / 1024:.1f} KB"
    return f"{size} bytes"


@contextmanager
def _client_errors(url: str, connect_timeout: float, total_timeout: float) -> Iterator[None]:
    """Turn aiohttp's and the network's exceptions into one ``FetchError`` each, with a
    short reason and whether a retry may help."""
    try:
        yield
    except FetchError:
        raise
    except aiohttp.TooManyRedirects as exc:
        raise FetchError("too many redirects", url=url) from exc
    except aiohttp.ConnectionTimeoutError as exc:
        raise FetchError(
            f"connect timeout after {connect_timeout:g} s", url=url, retryable=True
        ) from exc
    except TimeoutError as exc:
        raise FetchError(f"timeout after {total_timeout:g} s", url=url, retryable=True) from exc
    except aiohttp.ClientConnectorDNSError as exc:
        if isinstance(exc.os_error, AddressRefusedError):
            raise FetchError(f"refused: {exc.os_error}", url=url) from exc
        raise FetchError(f"DNS lookup failed for {host_of(url)}", url=url) from exc
    except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError) as exc:
        raise FetchError(f"TLS error: {_short(exc)}", url=url) from exc
    except aiohttp.ClientConnectorError as exc:
        if exc.os_error.errno == errno.ECONNREFUSED:
            raise FetchError("connection refused", url=url) from exc
        raise FetchError(f"cannot connect: {_short(exc)}", url=url, retryable=True) from exc
    except aiohttp.ServerDisconnectedError as exc:
        raise FetchError("server disconnected", url=url, retryable=True) from exc
    except aiohttp.InvalidURL as exc:
        raise FetchError("invalid URL or redirect target", url=url) from exc
    except aiohttp.ClientPayloadError as exc:
        raise FetchError(f"broken response body: {_short(exc)}", url=url) from exc
    except aiohttp.ClientOSError as exc:
        raise FetchError(f"network error: {_short(exc)}", url=url, retryable=True) from exc
    except aiohttp.ClientError as exc:
        raise FetchError(f"HTTP client error: {_short(exc)}", url=url) from exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:160]
