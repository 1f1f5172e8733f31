"""A local fake of an OpenAI-compatible chat-completions endpoint, for the llm summarizer.

The answer is chosen per test through ``FakeLLM.mode``: "good", "slow", "error",
"english", "long", "markdown", "garbage". Requests are recorded for assertions.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

GOOD_ANSWER = "Посол Казахстана обсудил с депутатами Мексики развитие торговли и инвестиций."


class FakeLLM:
    def __init__(self) -> None:
        self.mode = "good"
        self.delay = 2.0
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._complete)
        return app

    async def _complete(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(await request.json())
        self.headers.append(dict(request.headers))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.mode == "slow":
                await asyncio.sleep(self.delay)
            elif self.mode == "concurrent":
                await asyncio.sleep(0.05)
            if self.mode == "error":
                return web.json_response({"error": {"message": "overloaded"}}, status=500)
            if self.mode == "garbage":
                return web.Response(text="<html>not json</html>", content_type="text/html")
            content = {
                "good": GOOD_ANSWER,
                "slow": GOOD_ANSWER,
                "concurrent": GOOD_ANSWER,
                "english": "The ambassador discussed trade and investment with Mexican deputies.",
                "long": "Посол обсудил торговлю. " * 30,
                "markdown": "**Кратко:**\n- посол обсудил торговлю с депутатами Мексики",
                "empty": "",
            }[self.mode]
            return web.json_response(
                {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}
            )
        finally:
            self.in_flight -= 1
