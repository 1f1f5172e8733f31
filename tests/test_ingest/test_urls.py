"""Canonical URLs and link resolution."""

from __future__ import annotations

import pytest

from bot.ingest.urls import canonical_url, resolve_url


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTPS://WWW.Gov.KZ/memleket/entities/mfa/", "https://www.gov.kz/memleket/entities/mfa"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/", "https://example.org/"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("https://example.org:8443/a", "https://example.org:8443/a"),
        ("https://example.org/news/1#comments", "https://example.org/news/1"),
        (
            "https://example.org/news/1?utm_source=rss&utm_medium=feed&id=5&fbclid=x",
            "https://example.org/news/1?id=5",
        ),
        (
            "https://example.org/a?b=2&a=1&gclid=1&yclid=2&_openstat=3",
            "https://example.org/a?a=1&b=2",
        ),
        ("https://example.org/a?ref=tg&lang=ru", "https://example.org/a?lang=ru"),
        ("https://example.org/a/?", "https://example.org/a"),
        ("https://example.org/Path/Case", "https://example.org/Path/Case"),
        ("  https://example.org/a  ", "https://example.org/a"),
        ("mailto:press@mfa.kz", "mailto:press@mfa.kz"),
        ("not a url", "not a url"),
    ],
)
def test_canonical_url(raw: str, canonical: str) -> None:
    assert canonical_url(raw) == canonical


def test_canonical_url_is_idempotent_and_merges_variants() -> None:
    variants = [
        "https://www.inform.kz/ru/news/123/?utm_source=rss",
        "HTTPS://www.inform.kz:443/ru/news/123#top",
        "https://www.inform.kz/ru/news/123",
    ]
    forms = {canonical_url(url) for url in variants}
    assert len(forms) == 1
    (form,) = forms
    assert canonical_url(form) == form


@pytest.mark.parametrize(
    ("base", "href", "resolved"),
    [
        ("https://example.org/news/", "/article/1", "https://example.org/article/1"),
        ("https://example.org/news/list", "../article/1", "https://example.org/article/1"),
        ("https://example.org/news/list", "item?id=2", "https://example.org/news/item?id=2"),
        ("https://example.org/", "//cdn.example.org/a", "https://cdn.example.org/a"),
        ("https://example.org/", " https://other.org/x ", "https://other.org/x"),
        ("https://example.org/", "#top", None),
        ("https://example.org/", "javascript:void(0)", None),
        ("https://example.org/", "mailto:a@b.c", None),
        ("https://example.org/", "", None),
        ("https://example.org/", None, None),
    ],
)
def test_resolve_url(base: str, href: str | None, resolved: str | None) -> None:
    assert resolve_url(base, href) == resolved
