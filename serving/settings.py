"""Every setting of the API in one place, read from ``DISPOSISI_*`` environment variables.

Nothing is read at import time: :func:`get_settings` builds (and caches) a :class:`Settings` the first
time the app asks for it, and tests pass their own ``Settings`` to :func:`serving.api.create_app`.
List settings (``DISPOSISI_API_KEYS``, ``DISPOSISI_CORS_ORIGINS``, ``DISPOSISI_TRUSTED_MODEL_DIRS``)
are comma-separated. There is no default API key: with none configured, every keyed endpoint and the
/admin page refuse every call until one is set.
"""

from __future__ import annotations

import re
import secrets
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from serving.due import parse_working_days

__all__ = ["Settings", "get_settings"]

CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """Settings of the routing API, the admin page and the feedback store."""

    model_config = SettingsConfigDict(env_prefix="DISPOSISI_", extra="ignore", protected_namespaces=())

    model_dir: Path = Field(default=Path("var") / "model", description="Model directory to serve.")
    model_uri: str | None = Field(
        default=None, description="MLflow registry URI (models:/NAME@ALIAS); when set, used instead of model_dir."
    )
    model_poll_seconds: float = Field(
        default=60.0,
        ge=0,
        description="With model_uri: seconds between looks at the registry alias; a new version is loaded; 0: off.",
    )
    trusted_model_dirs: CommaList = Field(
        default_factory=list,
        description="Folders (besides model_dir) that POST /v1/admin/reload may load a model directory from.",
    )
    feedback_url: str = Field(default="sqlite:///var/feedback.db", description="SQLAlchemy URL of the feedback store.")
    api_keys: CommaList = Field(
        default_factory=list,
        description=(
            "Keys accepted for the keyed endpoints and /admin, each NAME:KEY (the name is recorded with the admin's "
            "decisions) or a plain KEY (recorded as kunci-N)."
        ),
    )
    require_key_for_routing: bool = Field(default=False, description="Also require a key for /v1/route and stats.")
    max_text_chars: int = Field(default=20_000, ge=1, description="Longest complaint text accepted.")
    max_batch_items: int = Field(default=1_000, ge=1, description="Most items in one POST /v1/route/batch.")
    max_body_bytes: int = Field(default=2_000_000, ge=1_024, description="Largest request body accepted.")
    max_header_bytes: int = Field(
        default=16_384, ge=1_024, description="Largest request line plus headers accepted (400 past it)."
    )
    max_header_count: int = Field(default=100, ge=10, description="Most header fields in one request (431 past it).")
    client_timeout_seconds: float = Field(
        default=20.0,
        gt=0,
        description="Seconds a client has to send a whole request, headers and body; then its connection is closed.",
    )
    keep_alive_seconds: int = Field(default=5, ge=1, description="Seconds an idle keep-alive connection stays open.")
    max_connections: int = Field(
        default=1_000,
        ge=0,
        description="Connections or requests in progress per worker past which uvicorn answers 503; 0: no limit.",
    )
    max_analysis_seconds: float = Field(
        default=5.0,
        ge=0,
        description="CPU seconds one routing request may spend analysing its texts before a 422; 0: no limit.",
    )
    auto_route: bool = Field(
        default=False,
        description="Route complaints that need no review at arrival (status otomatis); an admin can reverse any.",
    )
    due_working_days: str = Field(
        default="tinggi:1,sedang:3,rendah:5,lain:5",
        description="Working days to route a complaint, per urgency (lain: no urgency).",
    )
    opd_catalogue: Path | None = Field(
        default=None,
        description=(
            "CSV (columns nama, menangani) describing what each OPD handles, shown on /admin; "
            "default: the package's data/samples/opd_catalogue.csv."
        ),
    )
    holidays: CommaList = Field(default_factory=list, description="Dates (YYYY-MM-DD) that are not working days.")
    cors_origins: CommaList = Field(default_factory=list, description="Origins allowed by CORS; empty turns CORS off.")
    admin_session_hours: float = Field(default=12.0, gt=0, description="How long an /admin login lasts.")
    admin_cookie_secure: bool = Field(
        default=False,
        description="Mark the /admin cookie Secure also when this server sees plain HTTP (behind a TLS proxy).",
    )
    admin_login_max_failures: int = Field(
        default=10,
        ge=0,
        description="Failed /admin logins per client address in 15 minutes before it must wait; 0: off.",
    )
    api_key_max_failures: int = Field(
        default=20,
        ge=0,
        description="Requests with a wrong API key per client address in 15 minutes before it must wait; 0: off.",
    )
    monitor_psi_alert: float = Field(
        default=0.25, gt=0, description="Monitoring alert when the confidence PSI against training passes this."
    )
    monitor_acceptance_drop: float = Field(
        default=0.10,
        gt=0,
        le=1,
        description="Alert when top-1 acceptance falls this much against the window before.",
    )
    monitor_review_rise: float = Field(
        default=0.10,
        gt=0,
        le=1,
        description="Alert when the needs_review rate rises this much against the window before.",
    )
    monitor_oov_rise: float = Field(
        default=0.05,
        gt=0,
        le=1,
        description="Alert when the unseen-word share rises this much over training's.",
    )
    monitor_min_rows: int = Field(
        default=20, ge=1, description="Fewest complaints (or decisions, for acceptance) in a window before it alerts."
    )

    @field_validator("due_working_days")
    @classmethod
    def _working_days(cls, text: str) -> str:
        parse_working_days(text)
        return text

    @field_validator("holidays")
    @classmethod
    def _holiday_dates(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ValueError(f'holiday "{value}" is not a date like 2026-12-25') from None
        return values

    @field_validator("api_keys", "cors_origins", "trusted_model_dirs", "holidays", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("api_keys")
    @classmethod
    def _keys_are_long_enough(cls, keys: list[str]) -> list[str]:
        short = [i for i, entry in enumerate(keys) if len(_split_key(entry)[1]) < 8]
        if short:
            raise ValueError(f"API keys must be at least 8 characters; key number(s) {[i + 1 for i in short]} are not")
        return keys

    @property
    def secret_keys(self) -> list[str]:
        """The keys themselves, without their names."""
        return [_split_key(entry)[1] for entry in self.api_keys]

    def key_name(self, candidate: str | None) -> str | None:
        """The name of the key ``candidate`` is (compared in constant time against every key), None if none."""
        if not candidate:
            return None
        found = None
        given = candidate.encode("utf-8")
        for number, entry in enumerate(self.api_keys, start=1):
            name, key = _split_key(entry)
            if secrets.compare_digest(given, key.encode("utf-8")):
                found = name or f"kunci-{number}"
        return found

    @field_validator("model_uri")
    @classmethod
    def _registry_uri(cls, uri: str | None) -> str | None:
        if uri is not None and not uri.strip():
            return None
        if uri is not None and not uri.startswith("models:/"):
            raise ValueError(f'model_uri "{uri}" must be an MLflow registry URI like models:/disposisi@champion')
        return uri


_NAMED_KEY = re.compile(r"([A-Za-z0-9_.@-]{1,40}):(.+)")


def _split_key(entry: str) -> tuple[str | None, str]:
    """``"budi:KEY"`` -> ("budi", "KEY"); a plain key -> (None, key)."""
    named = _NAMED_KEY.fullmatch(entry)
    return (named.group(1), named.group(2)) if named else (None, entry)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment once."""
    return Settings()
