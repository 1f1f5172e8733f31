"""What the reader sees decides the order and the tags: inside a group, items led by the
group's own term come first and equally relevant items are newest first; the country an
item came for is always among the (at most three) country tags shown."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.digest.compose import compose_digest
from bot.digest.render import MAX_COUNTRY_TAGS, render_item
from storage.models import Release, SubscriptionKind
from tests.test_digest.factory import T0, release
from tests.test_digest.test_compose import SUBSCRIBER, subs

C, TOPIC, KW = SubscriptionKind.COUNTRY, SubscriptionKind.TOPIC, SubscriptionKind.KEYWORD


def _hours_ago(hours: int) -> dict[str, object]:
    return {"ingested": T0 - timedelta(hours=hours)}


@pytest.mark.parametrize(
    ("subscriptions", "releases", "expected"),
    [
        pytest.param(
            ((C, "MX"), (C, "US")),
            [
                # older, and scored higher for also naming the US: the reader cannot see that
                release(1, countries=["MX", "US"], primary="MX", **_hours_ago(5)),
                release(2, countries=["MX"], primary="MX", **_hours_ago(1)),
                release(3, countries=["MX", "BR"], primary="MX", **_hours_ago(3)),
            ],
            [2, 3, 1],
            id="equally about the country: newest first",
        ),
        pytest.param(
            ((C, "MX"),),
            [
                release(1, countries=["US", "MX"], primary="US", **_hours_ago(1)),
                release(2, countries=["MX"], primary="MX", **_hours_ago(6)),
                release(3, countries=["CA", "MX"], primary="CA", **_hours_ago(2)),
                release(4, countries=["MX"], primary="MX", **_hours_ago(4)),
            ],
            [4, 2, 1, 3],
            id="about before mentioned, each newest first",
        ),
        pytest.param(
            ((TOPIC, "energy"),),
            [
                release(1, topics=["energy", "economy", "ecology"], **_hours_ago(5)),
                release(2, topics=["energy"], **_hours_ago(2)),
                release(3, topics=["economy", "energy"], **_hours_ago(1)),
            ],
            [2, 1, 3],
            id="main topic before a second topic",
        ),
        pytest.param(
            ((KW, "водород"),),
            [
                release(1, title="Новость", summary="Про водород.", **_hours_ago(1)),
                release(2, title="Водород для Европы", **_hours_ago(4)),
                release(3, title="Водород и ветер", **_hours_ago(2)),
            ],
            [3, 2, 1],
            id="phrase in the headline first",
        ),
    ],
)
def test_order_inside_a_group(
    subscriptions: tuple[tuple[SubscriptionKind, str], ...],
    releases: list[Release],
    expected: list[int],
) -> None:
    digest = compose_digest(SUBSCRIBER, subs(*subscriptions), releases, {}, now=T0)
    assert len(digest.groups) == 1
    assert [item.release.id for item in digest.groups[0].items] == expected


@pytest.mark.parametrize(
    ("countries", "primary", "subscribed", "shown"),
    [
        pytest.param(["US", "CA", "BR", "MX"], "US", ["MX"], ["US", "MX", "CA"], id="4th"),
        pytest.param(["US", "CA", "BR", "MX", "KZ"], None, ["KZ"], ["KZ", "US", "CA"], id="5th"),
        pytest.param(["US", "CA", "BR", "MX"], "BR", ["MX"], ["BR", "MX", "US"], id="primary"),
        pytest.param(["US", "CA", "BR", "MX"], "MX", ["MX"], ["MX", "US", "CA"], id="is primary"),
        pytest.param(["US", "CA"], "CA", ["US"], ["CA", "US"], id="two"),
        pytest.param(
            ["US", "CA", "BR", "MX", "KZ"], "US", ["KZ", "MX"], ["US", "KZ", "MX"], id="two subs"
        ),
    ],
)
def test_country_tags_show_the_subscribed_country(
    countries: list[str], primary: str | None, subscribed: list[str], shown: list[str]
) -> None:
    item_release = release(1, countries=countries, primary=primary)
    digest = compose_digest(
        SUBSCRIBER, subs(*((C, code) for code in subscribed)), [item_release], {}, now=T0
    )
    html = render_item(digest.items[0], zone="UTC", now=T0, country_name=lambda c: f"Land{c}")
    found = [code for code in countries if f"Land{code}" in html]
    assert len(found) <= MAX_COUNTRY_TAGS
    assert sorted(found) == sorted(shown)
    positions = [html.index(f"Land{code}") for code in shown]
    assert positions == sorted(positions)
