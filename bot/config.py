"""Settings from the environment and `.env` (DESIGN §2), validated with one clear error line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Final, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.digest.schedule import format_local_time, parse_local_time
from bot.hosts import is_private_host

#: The sources file shipped inside the package, used when SOURCES_FILE is not set.
BUNDLED_SOURCES = Path(__file__).with_name("sources.toml")

#: Telegram refuses more than about 30 messages a second from one bot; a higher setting
#: would only earn 429 answers.
TELEGRAM_BROADCAST_CEILING = 30.0

#: What @BotFather hands out: the bot's numeric id, a colon, a secret of URL-safe
#: characters. aiogram checks the same shape, but with a traceback and only once the Bot
#: is built; checked here, a typo is one line before anything starts.
_TOKEN_SHAPE: Final = re.compile(r"\d+:[A-Za-z0-9_-]+")
#: Host names that never leave the operator's network: a Bot API server there may speak
#: plain http, and so may the webhook it posts to (DESIGN §7.1 "Inbound").
#: What asyncpg (and libpq) accept as a PostgreSQL connection URL.
_POSTGRES_SCHEMES: Final = ("postgresql", "postgres")


def postgres_url_problem(url: str) -> str | None:
    """What is wrong with a PostgreSQL URL (None when it is well-formed). The password is
    never part of the answer: only the scheme is named."""
    parts = urlsplit(url)
    if parts.scheme not in _POSTGRES_SCHEMES:
        return (
            f"the scheme «{parts.scheme}://» is not postgresql://"
            if parts.scheme
            else ("it is not a postgresql:// URL")
        )
    try:
        host = parts.hostname
        _ = parts.port  # raises for a port that is not a number
    except ValueError:
        return "its port is not a number"
    if not host and "host=" not in parts.query:
        return "it names no host"
    return None


class ConfigError(Exception):
    """A setting is missing or invalid. ``str(error)`` is one line naming the variable."""


class Settings(BaseSettings):
    """Every variable of DESIGN §2. Build with ``load_settings()``, never at import time."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # `WEBHOOK_URL=` in .env means "not set"
        extra="ignore",
        frozen=True,
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    database_path: Path = Path("data/depesha.sqlite3")
    #: PostgreSQL instead of SQLite (DESIGN §8); a secret, since it carries the password.
    database_url: SecretStr | None = None
    sources_file: Path = BUNDLED_SOURCES
    ingest_interval_minutes: int = Field(default=15, ge=1, le=24 * 60)
    default_timezone: str = "Asia/Almaty"
    default_digest_time: str = "09:00"
    broadcast_rate: float = Field(default=25.0, gt=0, le=TELEGRAM_BROADCAST_CEILING)
    summarizer: Literal["extractive", "llm"] = "extractive"
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    health_port: int | None = Field(default=None, ge=1, le=65535)
    #: Article links found in feeds may reach private and loopback addresses (DESIGN
    #: §7.1); off, only a source whose own URL is on such a host may.
    allow_private_networks: bool = False

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return value  # missing: `run` says so through require_token
        if not _TOKEN_SHAPE.fullmatch(value.get_secret_value().strip()):
            # The value is a secret, even a mistyped one: it is never echoed.
            raise ValueError("it is not shaped like a bot token")
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        url = value.get_secret_value().strip()
        problem = postgres_url_problem(url)
        if problem is not None:
            raise ValueError(problem)
        return SecretStr(url)

    @property
    def postgres_url(self) -> str | None:
        """DATABASE_URL's value, or None for SQLite."""
        return self.database_url.get_secret_value() if self.database_url else None

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            bad = [part for part in parts if not part.lstrip("-").isdigit()]
            if bad:
                raise ValueError(f"«{bad[0]}» is not a numeric Telegram user id")
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone «{value}»") from None
        return value

    @field_validator("default_digest_time")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        parsed = parse_local_time(value)
        if parsed is None:
            raise ValueError(f"«{value}» is not a time of day")
        return format_local_time(parsed)

    @field_validator("telegram_api_url", "llm_base_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None if value == "" else value
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"«{value}» is not an http(s) URL")
        return value.rstrip("/")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _llm_complete(self) -> Settings:
        if self.summarizer == "llm" and not (self.llm_base_url and self.llm_model):
            raise ValueError("SUMMARIZER=llm needs LLM_BASE_URL and LLM_MODEL")
        return self

    @model_validator(mode="after")
    def _webhook_https(self) -> Settings:
        # Telegram posts updates only to https; plain http is for a local Bot API server
        # (and a webhook on the same private network), never for the public internet.
        url = self.webhook_url
        if url and not url.startswith("https://") and not is_private_host(self.telegram_api_url):
            raise ValueError(
                "WEBHOOK_URL must start with https:// (plain http only with a local Bot API "
                "server in TELEGRAM_API_URL); put the bot behind a TLS proxy"
            )
        return self

    def require_token(self) -> str:
        """The bot token, or ConfigError when it is missing (only `run` needs it)."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise ConfigError(
                "BOT_TOKEN is not set: put the token from @BotFather into .env "
                "(BOT_TOKEN=123456:ABC...) or the environment"
            )
        return self.bot_token.get_secret_value().strip()


#: How to fix each variable, shown after the error.
_FIXES = {
    "bot_token": "copy the token from @BotFather, e.g. BOT_TOKEN=123456:ABC-DEF1234ghIkl",
    "database_url": "use postgresql://user:password@host:5432/dbname, or leave it empty for SQLite",
    "admin_ids": "use comma-separated numeric ids, e.g. ADMIN_IDS=12345,67890",
    "default_timezone": "use an IANA zone name, e.g. DEFAULT_TIMEZONE=Asia/Almaty",
    "default_digest_time": "use HH:MM, e.g. DEFAULT_DIGEST_TIME=09:00",
    "ingest_interval_minutes": "use whole minutes between 1 and 1440, e.g. 15",
    "broadcast_rate": "use messages per second above 0 and at most 30, e.g. 25",
    "summarizer": "use SUMMARIZER=extractive or SUMMARIZER=llm",
    "log_level": "use DEBUG, INFO, WARNING or ERROR",
    "log_format": "use LOG_FORMAT=text or LOG_FORMAT=json",
    "webhook_port": "use a port number between 1 and 65535",
    "health_port": "use a port number between 1 and 65535",
}


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise ConfigError with one line naming the variable and the fix."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        message = str(first["msg"]).removeprefix("Value error, ")
        if not field:
            raise ConfigError(message) from None
        fix = _FIXES.get(field, "see .env.example")
        raise ConfigError(f"{field.upper()} is invalid: {message}; {fix}") from None
