"""Charset detection: BOM, header, XML prolog, HTML meta, cp1251 and koi8-r guesses."""

from __future__ import annotations

import codecs

import pytest

from bot.ingest.encoding import declared_charset, decode, normalize_charset

TEXT = "Министр иностранных дел провёл переговоры с коллегой из Мексики."


@pytest.mark.parametrize(
    ("body", "content_type", "charset"),
    [
        (codecs.BOM_UTF8 + TEXT.encode(), "text/html; charset=windows-1251", "utf-8"),
        (TEXT.encode("cp1251"), "text/xml; charset=Windows-1251", "cp1251"),
        (b'<?xml version="1.0" encoding="windows-1251"?><rss/>', None, "cp1251"),
        (b"<html><head><meta charset='koi8-r'></head></html>", "text/html", "koi8-r"),
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">',
            None,
            "cp1251",
        ),
        (b"<rss/>", "application/rss+xml", None),
    ],
)
def test_declared_charset(body: bytes, content_type: str | None, charset: str | None) -> None:
    assert declared_charset(body, content_type) == charset


@pytest.mark.parametrize("codec", ["utf-8", "cp1251", "koi8-r"])
def test_undeclared_text_is_guessed(codec: str) -> None:
    assert decode(TEXT.encode(codec)) == TEXT


def test_wrong_declaration_falls_back_to_the_bytes() -> None:
    # Declared UTF-8, served cp1251: a common misconfiguration of old sites.
    assert decode(TEXT.encode("cp1251"), "text/html; charset=utf-8") == TEXT


def test_bom_is_removed_and_garbage_never_raises() -> None:
    assert decode(codecs.BOM_UTF8 + b"abc") == "abc"
    assert isinstance(decode(bytes(range(256))), str)


def test_normalize_charset() -> None:
    assert normalize_charset("WINDOWS-1251") == "cp1251"
    assert normalize_charset("win-1251") == "cp1251"
    assert normalize_charset("iso-8859-1") == "cp1252"
    assert normalize_charset("no-such-charset") is None
    assert normalize_charset(None) is None
