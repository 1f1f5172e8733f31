"""Admin commands: for ADMIN_IDS only, invisible to everyone else; the command menu."""

from __future__ import annotations

from datetime import timedelta

from bot.telegram.setup import create_bot, set_commands
from tests.test_telegram.conftest import ADMIN_ID, USER_ID, App, running_app


async def test_admin_commands_are_unknown_to_others(app: App) -> None:
    for command in ("/stats", "/sources", "/ingest"):
        reply = await app.say(USER_ID, command)
        assert reply.text.startswith("Не знаю такой команды"), command
    assert app.ingest.calls == 0


async def test_stats(app: App) -> None:
    await app.say(USER_ID, "/subscribe Мексика, ИИ")
    await app.add_release("Заголовок", "Текст о Мексике. Ещё текст о Мексике.")
    reply = await app.say(ADMIN_ID, "/stats")
    assert "Статистика" in reply.text
    assert "Новости: 1" in reply.text
    assert "активны 1" in reply.text
    assert "Подписки: 2" in reply.text


async def test_sources_show_health(app: App) -> None:
    async with app.storage.db.transaction() as tx:
        await app.storage.sources.record_failure(
            tx,
            app.source_id,
            now=app.clock() - timedelta(minutes=5),
            error="HTTP 503 <html>",
            next_poll_at=app.clock(),
        )
    reply = await app.say(ADMIN_ID, "/sources")
    assert "МИД РК — новости" in reply.text
    assert "HTTP 503 <html>" in reply.text  # escaped on the way, shown as is
    assert "5 мин назад" in reply.text
    assert reply.text.startswith("🔴")


async def test_ingest_runs_the_pipeline(app: App) -> None:
    started = await app.say(ADMIN_ID, "/ingest")
    assert "Опрашиваю" in started.text
    done = await app.tg.next_message(ADMIN_ID)
    assert "Готово" in done.text
    assert "новых новостей: 2" in done.text
    assert app.ingest.calls == 1
    app.ingest.error = RuntimeError("network down")
    await app.say(ADMIN_ID, "/ingest")
    failed = await app.tg.next_message(ADMIN_ID)
    assert "не удался" in failed.text
    assert "network down" in failed.text


async def test_set_commands_registers_russian_menu(app: App) -> None:
    bot = create_bot(app.tg.token, app.tg.base_url)
    try:
        await set_commands(bot, frozenset({ADMIN_ID, 999}))
    finally:
        await bot.session.close()
    default = app.tg.commands_for()
    names = [c["command"] for c in default]
    assert "subscribe" in names
    assert "stats" not in names
    assert all(any("а" <= ch <= "я" for ch in c["description"].lower()) for c in default)
    admin = app.tg.commands_for({"type": "chat", "chat_id": ADMIN_ID})
    assert "stats" in [c["command"] for c in admin]


async def test_no_admins_configured(tmp_path, nlp) -> None:
    async with running_app(tmp_path, nlp, admin_ids=frozenset()) as app:
        reply = await app.say(ADMIN_ID, "/stats")
        assert reply.text.startswith("Не знаю такой команды")
