"""The broadcaster and the reading service: windows, advancing, concurrent ticks, instant
pushes, handler lists."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from bot.digest.broadcast import Broadcaster
from bot.digest.deliver import Deliverer
from bot.services.reading import ReadingService
from storage.models import DeliveryMode
from storage.store import Storage
from tests.fakes.telegram_api import FakeTelegram, parse_html
from tests.test_digest.conftest import Clock, links, make_broadcaster
from tests.test_digest.factory import add_release, add_sources, add_subscriber


async def test_concurrent_ticks_send_each_release_once(
    storage: Storage, tg: FakeTelegram, service: Broadcaster, deliverer: Deliverer, clock: Clock
) -> None:
    (source,) = await add_sources(storage, ["МИД РК"])
    for i in range(6):
        await add_release(
            storage,
            source,
            f"c{i}",
            countries=["MX" if i % 2 else "KZ"],
            ingested=clock.now - timedelta(hours=2),
        )
    chats = list(range(100, 130))
    for chat in chats:
        await add_subscriber(storage, chat, countries=["MX", "KZ"], next_at=clock.now)
    # A second service on the same storage shares no in-process state: only the ledger
    # stands between it and double sends.
    other = make_broadcaster(storage, deliverer, clock)
    results = await asyncio.gather(
        service.send_due_digests(), service.send_due_digests(), other.send_due_digests()
    )
    assert sum(results) == len(chats)
    for chat in chats:
        received = Counter(links(tg.messages_for(chat)))
        assert len(received) == 6
        assert set(received.values()) == {1}, chat
    assert await storage.deliveries.pending() == []


async def test_nothing_new_sends_nothing_but_advances(
    storage: Storage, tg: FakeTelegram, service: Broadcaster, clock: Clock
) -> None:
    subscriber = await add_subscriber(storage, 7, countries=["MX"], next_at=clock.now)
    assert await service.send_due_digests() == 0
    assert tg.sent == []
    after = await storage.subscribers.get_by_id(subscriber.id)
    assert after is not None
    assert after.next_digest_at is not None
    assert after.next_digest_at > clock.now
    assert after.last_digest_at == clock.now


async def test_first_digest_covers_24_hours_then_only_what_is_new(
    storage: Storage, tg: FakeTelegram, service: Broadcaster, clock: Clock
) -> None:
    (source,) = await add_sources(storage, ["МИД РК"])
    await add_release(
        storage, source, "old", countries=["MX"], ingested=clock.now - timedelta(hours=30)
    )
    await add_release(
        storage, source, "recent", countries=["MX"], ingested=clock.now - timedelta(hours=2)
    )
    await add_subscriber(storage, 8, countries=["MX"], next_at=clock.now)
    await service.send_due_digests()
    assert links(tg.messages_for(8)) == ["https://example.org/recent"]
    clock.advance(days=1)
    await add_release(
        storage, source, "next", countries=["MX"], ingested=clock.now - timedelta(hours=3)
    )
    await service.send_due_digests()
    assert links(tg.messages_for(8)) == ["https://example.org/recent", "https://example.org/next"]


async def test_a_long_digest_goes_out_in_several_messages(
    storage: Storage, tg: FakeTelegram, service: Broadcaster, clock: Clock
) -> None:
    (source,) = await add_sources(storage, ["МИД РК"])
    summary = "Длинное содержание новости с подробностями. " * 15
    for i in range(18):
        await add_release(
            storage,
            source,
            f"l{i}",
            summary=summary,
            countries=["MX"],
            ingested=clock.now - timedelta(hours=1),
        )
    await add_subscriber(storage, 9, countries=["MX"], next_at=clock.now)
    sent = await service.send_due_digests()
    messages = tg.messages_for(9)
    assert sent == len(messages) > 1
    assert len(links(messages)) == 18
    assert len(await storage.deliveries.release_ids((await storage.subscribers.get(9)).id)) == 18  # type: ignore[union-attr]


async def test_instant_pushes_batch_fresh_releases_once(
    storage: Storage, tg: FakeTelegram, service: Broadcaster, clock: Clock
) -> None:
    (source,) = await add_sources(storage, ["МИД РК"])
    subscriber = await add_subscriber(
        storage, 10, topics=["energy"], next_at=clock.now + timedelta(hours=5)
    )
    async with storage.db.transaction() as tx:
        await storage.subscribers.set_mode(tx, subscriber.id, DeliveryMode.INSTANT)
    await add_release(
        storage, source, "e1", topics=["energy"], ingested=clock.now - timedelta(seconds=30)
    )
    await add_release(
        storage, source, "e2", topics=["energy"], ingested=clock.now - timedelta(seconds=20)
    )
    await add_release(
        storage, source, "backlog", topics=["energy"], ingested=clock.now, notify=False
    )
    assert await service.push_instant() == 1
    (message,) = tg.messages_for(10)
    assert sorted(links([message])) == ["https://example.org/e1", "https://example.org/e2"]
    assert "Новое по вашим подпискам" in message.text
    clock.advance(minutes=1)
    assert await service.push_instant() == 0  # nothing new since
    await add_release(storage, source, "e3", topics=["energy"], ingested=clock.now)
    clock.advance(minutes=1)
    assert await service.push_instant() == 1
    assert links(tg.messages_for(10)[1:]) == ["https://example.org/e3"]
    assert await service.send_due_digests() == 0  # instant subscribers get no daily digest


async def test_digest_now_marks_what_it_shows_then_repeats_the_last_day(
    storage: Storage, tg: FakeTelegram, reader: ReadingService, clock: Clock
) -> None:
    (source,) = await add_sources(storage, ["МИД РК"])
    await add_release(
        storage, source, "d1", countries=["MX"], ingested=clock.now - timedelta(hours=3)
    )
    subscriber = await add_subscriber(storage, 12, countries=["MX"])
    assert await reader.digest_for(subscriber) == 1
    (first,) = tg.messages_for(12)
    assert "d1" in first.raw_text
    assert await storage.deliveries.release_ids(subscriber.id) != []
    assert await reader.digest_for(subscriber) == 1  # nothing new: the last 24 h again
    again = tg.messages_for(12)[1]
    assert "d1" in again.raw_text
    nobody = await add_subscriber(storage, 13, countries=["FR"])
    assert await reader.digest_for(nobody) == 0
    assert tg.messages_for(13) == []


async def test_latest_and_search_render(
    storage: Storage, reader: ReadingService, clock: Clock
) -> None:
    (source,) = await add_sources(storage, ["МИД РК"])
    for i in range(5):
        await add_release(
            storage,
            source,
            f"n{i}",
            title=f"Мексика <{i}>",
            countries=["MX"],
            ingested=clock.now - timedelta(hours=i),
        )
    subscriber = await add_subscriber(storage, 14, countries=["MX"])
    (latest,) = await reader.latest_for(subscriber, 3)
    text = parse_html(latest).text
    assert [line for line in text.splitlines() if line.startswith("Мексика <")] == [
        "Мексика <0>",
        "Мексика <1>",
        "Мексика <2>",
    ]
    (found,) = await reader.search_terms("мексика", ["мексика"], zone="UTC")
    assert "Найдено: 5" in parse_html(found).text
    assert await reader.search_terms("ничего", ["ничего"], zone="UTC") == []


async def test_recover_resends_batches_left_claimed(
    storage: Storage, tg: FakeTelegram, service: Broadcaster, clock: Clock
) -> None:
    (source,) = await add_sources(storage, ["МИД РК"])
    rid = await add_release(storage, source, "k", countries=["MX"], ingested=clock.now)
    subscriber = await add_subscriber(storage, 15, countries=["MX"])
    async with storage.db.transaction() as tx:  # what a process killed mid-send leaves
        await storage.deliveries.claim(tx, subscriber.id, [rid], batch="crashed", now=clock.now)
    assert await service.recover() == 1
    assert links(tg.messages_for(15)) == ["https://example.org/k"]
    assert await storage.deliveries.pending() == []
    assert await service.recover() == 0
