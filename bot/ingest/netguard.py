"""Where article links found in feeds may be fetched from (DESIGN §7.1, Outbound).

A feed is written by a third party; the links in it must not make the bot read its own
network for them (a cloud metadata endpoint, an admin panel on loopback, an intranet
site) and put the text into digests. So article pages are fetched only from public
addresses: not loopback, private (RFC 1918, unique-local), link-local (where the cloud
metadata services live: 169.254.169.254, fd00:ec2::254), shared (100.64/10, Alibaba's
100.100.100.200), unspecified, reserved, multicast or otherwise non-global, including
IPv4 addresses hidden in IPv6 forms. The check is made on the addresses a host name
resolves to (``PublicOnlyResolver``, so the connection goes to the very address checked)
and on every redirect target (the fetcher follows redirects itself in this mode).

Exempt: a source whose own URL, as the operator wrote it, is on such a host (an IP
literal in those ranges, ``localhost``, or an intranet-style name: one label, or
``.local``, ``.internal``, ``.lan``, ``.intranet``, ``.corp``, ``.home.arpa``), and every
source when ``ALLOW_PRIVATE_NETWORKS=true``. The exemption looks at the name written, not
at what DNS answers at poll time, so a public source whose DNS is hijacked or rebinds to
a private address does not open the intranet to the links in its feed.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

from aiohttp.abc import AbstractResolver, ResolveResult

from bot.hosts import IPAddress, is_refused, parse_address

#: The address predicate the fetcher applies: True means "do not connect".
AddressPolicy = Callable[[IPAddress], bool]


class AddressRefusedError(OSError):
    """A host that resolves only to refused addresses; the message names it."""


class PublicOnlyResolver(AbstractResolver):
    """Resolves through ``inner`` and keeps only the addresses ``refuses`` allows;
    raises ``AddressRefusedError`` when none is left, so nothing is connected to."""

    def __init__(self, inner: AbstractResolver, refuses: AddressPolicy = is_refused) -> None:
        self._inner = inner
        self._refuses = refuses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        allowed = [entry for entry in found if not self._refused(entry["host"])]
        if not allowed:
            raise AddressRefusedError(f"{host} resolves to a private or local address")
        return allowed

    def _refused(self, host: str) -> bool:
        address = parse_address(host)
        return address is None or self._refuses(address)

    async def close(self) -> None:
        """The inner resolver belongs to whoever made it."""
