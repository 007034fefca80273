"""Settings, read from environment variables (and an optional ``.env`` file) with pydantic-settings.

Every setting is listed in the README's settings table; keep the two in step. Secrets (tokens,
passwords, keys and ``DATABASE_URL``, which may carry a password) are pydantic ``SecretStr``: their
repr, a validation error and a log line show ``**********``; code that hands one to a platform or
driver reveals it there with ``revealed``.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from datetime import time
from pathlib import Path
from typing import Any, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.default_content import REPO_CONTENT as REPO_CONTENT  # the editable source, for tests and tools
from bot.default_content import default_content_dir


class SettingsError(Exception):
    """A setting has a value the bot cannot use; the message names each one and why."""


class Settings(BaseSettings):
    """The bot's configuration."""

    model_config = SettingsConfigDict(
        env_file=".env", env_prefix="GUIDEBOT_", extra="ignore", populate_by_name=True
    )

    database_url: SecretStr = Field(
        default=SecretStr(""), validation_alias=AliasChoices("DATABASE_URL", "GUIDEBOT_DATABASE_URL")
    )
    host: str = "127.0.0.1"
    port: int = Field(default=3978, ge=1, le=65535, validation_alias=AliasChoices("PORT", "GUIDEBOT_PORT"))
    data_dir: Path = Path("data")
    # The content shipped with the package unless a council points this at its own copy.
    content_dir: Path = Field(default_factory=default_content_dir)
    secret_key: SecretStr | None = Field(default=None, min_length=16)
    managers: str = ""
    digital_leads: str = ""
    web_token: SecretStr | None = Field(default=None, min_length=8)
    web_auth: str = Field(default="auto", pattern=r"^(auto|local|kiosk|proxy)$")
    web_user_header: str = Field(default="X-Forwarded-User", pattern=r"^[A-Za-z0-9-]{1,60}$")
    # Rate-limit pacing: 1 keeps to the platforms' documented limits; 0 turns pacing off, for load
    # tests against fakes only; above 1 speeds every limit up (benchmarks with fakes that match).
    pacing_scale: float = Field(default=1.0, ge=0, le=10_000)
    # How long a server process may hold a conversation's outgoing messages before another takes over.
    outbox_lease_seconds: float = Field(default=60.0, ge=2, le=3600)
    # A connection with no complete request for this long is closed (idle, or sending headers slowly).
    http_idle_seconds: float = Field(default=15.0, ge=1, le=3600)
    log_level: str = Field(default="INFO", pattern=r"^(?i:debug|info|warning|error)$")
    log_format: str = Field(default="auto", pattern=r"^(auto|json|console)$")
    guidance_base_url: str = Field(
        default="",
        pattern=r"^(https://\S+)?$",
        validation_alias=AliasChoices("GUIDANCE_BASE_URL", "GUIDEBOT_GUIDANCE_BASE_URL"),
    )
    # Insights: digests, scheduled digests and the improvement plan
    min_group_size: int = Field(default=5, ge=2, le=1000)
    timezone: str = "Europe/London"
    public_url: str = Field(default="", pattern=r"^(https?://[^\s/]+(/\S*)?)?$")
    report_link_hours: int = Field(default=24, ge=1, le=720)
    # A digest is read beside the same period a year on, so its charts outlive that by a month.
    chart_days: int = Field(default=400, ge=1, le=3660)
    demo: bool = False
    # Campaigns: invitations, reminders, closing
    working_hours: str = Field(default="09:00-17:00", pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")
    campaign_reminders: int = Field(default=2, ge=0, le=5)
    campaign_grace_hours: int = Field(default=24, ge=0, le=24 * 14)
    campaign_address_days: int = Field(default=30, ge=1, le=365)
    # Campaign messages one server process sends at once: a SIGKILL repeats at most this many.
    campaign_in_flight: int = Field(default=1, ge=1, le=64)

    # Slack (enabled when the bot token and signing secret are both set)
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET")
    )
    slack_app_token: SecretStr | None = Field(default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN"))
    slack_api_url: str = "https://slack.com/api/"

    # Microsoft Teams (Bot Framework); names as in Microsoft's samples
    microsoft_app_id: str = Field(
        default="", validation_alias=AliasChoices("MicrosoftAppId", "MICROSOFT_APP_ID")
    )
    microsoft_app_password: SecretStr = Field(
        default=SecretStr(""), validation_alias=AliasChoices("MicrosoftAppPassword", "MICROSOFT_APP_PASSWORD")
    )
    microsoft_app_type: str = Field(
        default="MultiTenant",
        pattern=r"^(MultiTenant|SingleTenant|UserAssignedMSI)$",
        validation_alias=AliasChoices("MicrosoftAppType", "MICROSOFT_APP_TYPE"),
    )
    microsoft_app_tenant_id: str = Field(
        default="", validation_alias=AliasChoices("MicrosoftAppTenantId", "MICROSOFT_APP_TENANT_ID")
    )
    teams_openid_metadata_url: str = "https://login.botframework.com/v1/.well-known/openidconfiguration"
    teams_token_issuer: str = "https://api.botframework.com"  # noqa: S105 - an issuer URL, not a secret
    teams_login_url: str = "https://login.microsoftonline.com/botframework.com"
    teams_dev_mode: bool = False

    # Who runs the bot (the privacy notice, the web chat page, the accessibility statement at /accessibility)
    org_name: str = Field(default="Your council", min_length=1, max_length=200)
    accessibility_contact: str = Field(default="", max_length=500)
    # The council's privacy notice, linked from the bot's own short notice and the web chat page.
    privacy_url: str = Field(default="", pattern=r"^(https?://\S+)?$")

    # Retention, applied by a daily job (``guidebot retention --dry-run`` shows what would go)
    # Free-text answers: the text goes, the fact that the question was answered stays.
    retention_free_text_days: int = Field(default=365, ge=1, le=3660)
    # Whole responses, answers and all: then they are no longer in any figure.
    retention_days: int = Field(default=3 * 365, ge=1, le=3660)
    # Ids of inbound messages already handled: needed only while a platform may retry (minutes).
    retention_processed_days: int = Field(default=2, ge=1, le=365)
    # Where to write to a person or channel, unused this long (a live schedule or campaign keeps its own).
    retention_conversation_days: int = Field(default=180, ge=1, le=3660)
    # The access log (who looked at results or personal data).
    retention_audit_days: int = Field(default=2 * 365, ge=30, le=3660)

    @property
    def slack_enabled(self) -> bool:
        """Slack runs when both its bot token and signing secret are set."""
        return bool(revealed(self.slack_bot_token) and revealed(self.slack_signing_secret))

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr) -> SecretStr:
        from sqlalchemy.engine import make_url  # here: commands without a database need not load it
        from sqlalchemy.exc import ArgumentError

        url = value.get_secret_value()
        if url:
            try:
                backend = make_url(url).get_backend_name()
            except ArgumentError:
                raise ValueError(DATABASE_URL_HINT) from None
            if backend not in ("sqlite", "postgresql", "postgres"):
                raise ValueError(f"'{backend}' databases are not supported: {DATABASE_URL_HINT}")
        return value

    @field_validator("managers", "digital_leads")
    @classmethod
    def _addresses(cls, value: str) -> str:
        for address in _split(value):
            channel, _, user = address.partition(":")
            known = channel in ("teams", "web") or (channel == "slack" and SLACK_USER.match(user))
            if not known or not user:
                raise ValueError(
                    f"'{address}' should look like slack:T0123:U0123 (slack:U0123 for a single workspace), "
                    "teams:<aadObjectId> or web:<name>"
                )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not a time zone name such as Europe/London") from None
        return value

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        start, end = value.split("-")
        try:
            opens, closes = time.fromisoformat(start), time.fromisoformat(end)
        except ValueError:
            raise ValueError(f"'{value}' should be two times such as 09:00-17:00") from None
        if opens >= closes:
            raise ValueError(f"'{value}': the day must start before it ends, as in 09:00-17:00")
        return value

    @property
    def working_day(self) -> tuple[time, time]:
        """When reminders may be sent on a working day, in the council's time zone."""
        start, end = self.working_hours.split("-")
        return time.fromisoformat(start), time.fromisoformat(end)

    @property
    def zone(self) -> ZoneInfo:
        """The council's time zone, for schedules and reporting periods."""
        return ZoneInfo(self.timezone)

    @property
    def base_url(self) -> str:
        """Where people reach this server (for links to plans and charts), without a trailing slash."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def resolved_database_url(self) -> str:
        """DATABASE_URL, or a SQLite file in the data folder."""
        return revealed(self.database_url) or f"sqlite:///{(self.data_dir / 'guidebot.db').as_posix()}"

    @property
    def manager_ids(self) -> frozenset[str]:
        """Addresses (``slack:T0123:U0123``) of managers; in demo mode every web chat user is one."""
        return frozenset(_split(self.managers)) | ({"web:*"} if self.demo else frozenset())

    @property
    def digital_lead_ids(self) -> frozenset[str]:
        """Addresses of digital leads."""
        return frozenset(_split(self.digital_leads))

    def public_url_problem(self) -> str | None:
        """Why GUIDEBOT_PUBLIC_URL will not do for the Slack or Teams that is on, or None.

        Both get links to plans and charts at this address, so it must be one people can reach;
        Teams loads a card's images only over ``https://``. (Teams' dev mode runs on this machine
        alone, so only an app id counts as Teams being on.)
        """
        on = [
            name
            for name, enabled in (("Slack", self.slack_enabled), ("Teams", bool(self.microsoft_app_id)))
            if enabled
        ]
        if not on:
            return None
        which = " and ".join(on)
        if not self.public_url:
            return (
                f"GUIDEBOT_PUBLIC_URL is not set, so {which} will get links to {self.base_url}, which "
                "nobody else can reach. Set it to the server's https:// address."
            )
        if not self.public_url.startswith("https://"):
            return (
                f"GUIDEBOT_PUBLIC_URL is {self.public_url}, not an https:// address: Teams will not show "
                f"charts from it, and {which} links to plans would travel unencrypted. Use the server's "
                "https:// address."
            )
        return None

    def privacy_url_problem(self) -> str | None:
        """Why the bot's privacy notice has no link to the council's full one, or None."""
        if self.privacy_url:
            return None
        return (
            "GUIDEBOT_PRIVACY_URL is not set, so the privacy notice staff see first says there is no link "
            "to the council's full privacy notice yet. Set it to that notice's address."
        )

    @property
    def listens_on_loopback(self) -> bool:
        """Whether the server is reachable only from this machine."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def web_auth_mode(self) -> str:
        """How the web chat knows who is who: ``local``, ``kiosk``, ``proxy``, or ``off``.

        ``auto`` is ``kiosk`` with a token, ``local`` on a loopback address without one, else off.
        ``local`` trusts the page's user id, so it is only ever on loopback; ``proxy`` needs the
        token too (it proves a request came through the council's sign-in proxy).
        """
        token = bool(revealed(self.web_token))
        if self.web_auth == "proxy":
            return "proxy" if token else "off"
        if self.web_auth == "kiosk":
            return "kiosk" if token else "off"
        if self.web_auth == "local":
            return "local" if self.listens_on_loopback and not token else "off"
        if token:
            return "kiosk"
        return "local" if self.listens_on_loopback else "off"

    @property
    def web_chat_enabled(self) -> bool:
        """Whether the web chat is served (see ``web_auth_mode``)."""
        return self.web_auth_mode != "off"


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning validation errors into one readable SettingsError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            name = _env_name(field) if field else "settings"
            shown = "" if not field or _is_secret(field) else f" (got {err.get('input')!r})"
            lines.append(f"{name}: {_message(err)}{shown}")
        raise SettingsError("Invalid settings:\n  " + "\n  ".join(lines)) from None


# A Slack user: their team id and user id, or the user id alone (a single-workspace install), or * for all.
SLACK_USER = re.compile(r"^(\*|([TE][A-Z0-9]+:)?[UW][A-Z0-9]+)$")
DATABASE_URL_HINT = "should look like postgresql://user:password@host:5432/name or sqlite:///path/to/file.db"


def _message(err: Any) -> str:
    # pydantic counts a SecretStr's length in "items"; people set characters.
    if err["type"] == "too_short" and "min_length" in err.get("ctx", {}):
        return f"should be at least {err['ctx']['min_length']} characters long"
    return str(err["msg"])


def revealed(secret: SecretStr | None) -> str:
    """A secret's value, for the one place that hands it to a platform or driver ("" when unset)."""
    return secret.get_secret_value() if secret is not None else ""


def _is_secret(loc: str) -> bool:
    """Whether a setting (named by field or by the alias it was read from) is a secret, never echoed."""
    info = Settings.model_fields.get(loc) or next(
        (
            f
            for f in Settings.model_fields.values()
            if isinstance(f.validation_alias, AliasChoices) and loc in f.validation_alias.choices
        ),
        None,
    )
    if info is None:
        return True  # not one of ours: say nothing about its value
    annotation = info.annotation
    return annotation is SecretStr or SecretStr in get_args(annotation)


def _env_name(loc: str) -> str:
    """The environment variable a person sets for a field (or the alias they used)."""
    field = Settings.model_fields.get(loc)
    if field is None:
        return loc
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"GUIDEBOT_{loc.upper()}"


def secret_key(settings: Settings) -> tuple[bytes, bool]:
    """The key for pseudonyms: the setting, or one kept in the data folder (created if missing).

    Returns the key and whether it was just generated.
    """
    if revealed(settings.secret_key):
        return revealed(settings.secret_key).encode(), False
    path = settings.data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip().encode(), False
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(key, encoding="utf-8")
    return key.encode(), True


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
