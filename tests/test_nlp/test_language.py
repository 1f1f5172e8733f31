"""Language detection by alphabet."""

from __future__ import annotations

import pytest

from bot.nlp.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Посол Казахстана вручил верительные грамоты королю Норвегии.", "ru"),
        ("Қазақстан Республикасының Сыртқы істер министрі Мексика елшісімен кездесті.", "kk"),
        ("Ministry of Foreign Affairs of Kazakhstan held talks with the delegation.", "en"),
        ("Посольство «Қазақстан» организовало встречу с соотечественниками в Москве.", "ru"),
        ("Міністр закордонних справ України зустрівся з послом. Це її перша зустріч.", "other"),
        ("Le ministre des affaires étrangères a rencontré son homologue mexicain.", "other"),
        ("", "other"),
        ("   12345 !!! ", "other"),
        ("Kazakh Tourism", "en"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected
