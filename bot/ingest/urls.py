"""Canonical URLs (the identity used for de-duplication) and resolution of relative links.

Two URLs that name the same article must canonicalise to the same string: the scheme and
host are lower-cased, the default port, the fragment and tracking parameters are dropped,
the remaining query parameters are sorted, and a trailing slash on a non-root path is
removed. Path case and percent-encoding are kept: servers may distinguish them.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

#: Query parameters that only track the click (analytics, ad networks, share buttons).
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "yclid",
        "ysclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "_openstat",
        "_ga",
        "_gl",
        "igshid",
        "ref",
        "ref_src",
        "referrer",
    }
)
#: Parameter prefixes with the same role (utm_source, utm_medium, …; Yandex's from_*).
TRACKING_PREFIXES = ("utm_", "pk_", "hsa_", "mtm_")

_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    """Whether a query parameter name is a tracking one (case-insensitive)."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The canonical form of an absolute http(s) URL (see the module docstring).

    A string that is not an absolute http(s) URL is returned stripped but otherwise
    unchanged, so the function never raises on odd feed data.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    params = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(key)
    ]
    query = urlencode(sorted(params), doseq=False)
    return urlunsplit((scheme, netloc, path, query, ""))


def resolve_url(base: str, href: str | None) -> str | None:
    """``href`` made absolute against ``base`` (the page or feed URL).

    Returns ``None`` for an empty href, a fragment-only link, or a non-http(s) scheme
    (``mailto:``, ``javascript:``, ``tel:``). Surrounding whitespace is ignored;
    protocol-relative links (``//host/path``) take the base's scheme.
    """
    if href is None:
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    try:
        absolute = urljoin(base, href)
        scheme = urlsplit(absolute).scheme.lower()
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS:
        return None
    return absolute


def host_of(url: str) -> str:
    """The lower-cased host of a URL ('' when it has none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
