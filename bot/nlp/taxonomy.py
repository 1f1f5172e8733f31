"""The topic taxonomy of DESIGN §5: slugs (a contract) and how they are shown in Russian."""

from typing import Final

#: Slug → the Russian label shown to users. The order is the order of the pickers.
TOPIC_LABELS: Final[dict[str, str]] = {
    "politics": "Политика и дипломатия",
    "economy": "Экономика, торговля и инвестиции",
    "energy": "Энергетика",
    "technology": "Цифровизация, IT и ИИ",
    "culture": "Культура",
    "education": "Образование",
    "science": "Наука",
    "tourism": "Туризм",
    "sport": "Спорт",
    "security": "Безопасность и оборона",
    "health": "Здравоохранение",
    "consular": "Консульские вопросы и визы",
    "humanitarian": "Гуманитарная помощь",
    "ecology": "Экология и климат",
}

TOPIC_SLUGS: Final[tuple[str, ...]] = tuple(TOPIC_LABELS)
