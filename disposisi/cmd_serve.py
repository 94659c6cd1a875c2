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

from disposisi.console import fail, load_settings, ready_model_dir

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
    import uvicorn  # the server stack only when serving (see disposisi.console)

    from serving.logs import uvicorn_log_config
    from serving.server_limits import uvicorn_options
    from serving.settings import get_settings

    if model_dir is not None and model_uri is not None:
        fail("give --model-dir or --model-uri, not both", code=2)
    if model_dir is not None:
        os.environ["DISPOSISI_MODEL_DIR"] = str(model_dir)
    if model_uri is not None:
        os.environ["DISPOSISI_MODEL_URI"] = model_uri
    settings = load_settings()
    if settings.model_uri is None:
        ready_model_dir(settings.model_dir)
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
