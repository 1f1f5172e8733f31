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

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Suffixes of names that only exist inside an organisation's network.
INTRANET_SUFFIXES = (
    ".localhost",
    ".local",
    ".internal",
    ".lan",
    ".intranet",
    ".corp",
    ".home.arpa",
)

#: The address predicate the fetcher applies: True means "do not connect".
AddressPolicy = Callable[[IPAddress], bool]


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries: mapped (::ffff:a.b.c.d), 6to4, NAT64."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in ipaddress.IPv6Network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_refused(address: IPAddress) -> bool:
    """Whether article pages must not be fetched from ``address`` (module docstring)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            return is_refused(inner)
    return not address.is_global or address.is_multicast or address.is_reserved


def parse_address(host: str) -> IPAddress | None:
    """``host`` as an IP address when it is a literal (brackets and zone allowed)."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def is_private_host(url: str) -> bool:
    """Whether ``url``'s host, as written, is on a private network (the exemption of a
    source's own URL): a refused IP literal, ``localhost``, or an intranet-style name."""
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    if not host:
        return False
    address = parse_address(host)
    if address is not None:
        return is_refused(address)
    return host == "localhost" or "." not in host or host.endswith(INTRANET_SUFFIXES)


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
