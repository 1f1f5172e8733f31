"""Which hosts are on a private network: one answer for the article fetcher's guard
(``bot.ingest.netguard``) and for the configuration's "is this Bot API server local".

An address is private when it is not globally routable (loopback, RFC 1918, unique-local,
link-local, shared 100.64/10, unspecified), or multicast or reserved, including IPv4
addresses hidden in IPv6 forms. A host name is private, as written and without asking
DNS, when it is ``localhost``, one label (a Docker Compose service), or an intranet-style
name.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

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
    """Whether ``address`` is private (module docstring): article pages are not fetched
    from it."""
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
    """Whether ``url``'s host, as written, is on a private network: a private IP literal,
    ``localhost``, or an intranet-style name. A source with such a URL may link to its
    own network; a Bot API server there may be spoken to over http."""
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
