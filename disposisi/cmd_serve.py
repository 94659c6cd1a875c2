"""``disposisi serve``: the routing API and the /admin page under uvicorn.

On a fresh machine the default model directory is empty, so a demo model is trained from
data/samples first (seconds). No key has a default: without ``DISPOSISI_API_KEYS`` routing answers,
and the keyed endpoints and /admin refuse every call (a warning says so at start).
"""

from __future__ import annotations

import ipaddress
import logging
import os
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["serve"]

logger = logging.getLogger(__name__)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    model_dir: Annotated[
        Path | None,
        typer.Option("--model-dir", help="Model directory to serve (default: DISPOSISI_MODEL_DIR or var/model)."),
    ] = None,
    model_uri: Annotated[
        str | None, typer.Option("--model-uri", help="MLflow registry URI instead, e.g. models:/disposisi@champion.")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each loads the model).")] = 1,
) -> None:
    """Serve the routing API and the admin page (http://HOST:PORT/admin, API docs at /docs)."""
    import uvicorn
    from pydantic import ValidationError

    from disposisi.defaults import DEFAULT_MODEL_DIR, ensure_model
    from models.artifact import META_FILE, MODEL_FILE
    from serving.logs import uvicorn_log_config
    from serving.server_limits import uvicorn_options
    from serving.settings import Settings, get_settings

    if model_dir is not None and model_uri is not None:
        typer.echo("error: give --model-dir or --model-uri, not both", err=True)
        raise typer.Exit(2)
    if model_dir is not None:
        os.environ["DISPOSISI_MODEL_DIR"] = str(model_dir)
    if model_uri is not None:
        os.environ["DISPOSISI_MODEL_URI"] = model_uri
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        typer.echo(f"error: setting {'.'.join(map(str, first['loc']))}: {first['msg']}", err=True)
        raise typer.Exit(1) from None
    if settings.model_uri is None:
        directory = settings.model_dir
        present = (directory / MODEL_FILE).is_file() and (directory / META_FILE).is_file()
        if not present and directory == DEFAULT_MODEL_DIR:
            typer.echo(f"no model in {directory} yet: training a demo model from data/samples first", err=True)
            from disposisi.cli import _run

            _run(lambda: ensure_model(directory))
        elif not present:
            typer.echo(
                f"error: no model in {directory}: train one with `disposisi train DATA.csv --model-dir {directory}`",
                err=True,
            )
            raise typer.Exit(1)
    if not settings.api_keys:
        typer.echo(
            "warning: no DISPOSISI_API_KEYS set: routing answers, but feedback, export, reload and /admin "
            "refuse every call until a key is set",
            err=True,
        )
    if not _is_loopback(host):
        typer.echo(f"warning: listening on {host}, reachable from other machines; put TLS in front of it", err=True)
    get_settings.cache_clear()
    typer.echo(f"serving on http://{host}:{port} (admin page: /admin, API docs: /docs)", err=True)
    uvicorn.run(
        "serving.api:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        log_config=uvicorn_log_config(),
        proxy_headers=False,
        **uvicorn_options(settings),
    )
