"""What every command shares: user errors as one line and exit code 1, results printed, the model directory
made ready. A leaf: the command modules import it, it imports none of them.

The rooms' modules import scikit-learn, pandas or pydantic (seconds): this module and the command modules
import them inside the functions that need them, so ``disposisi --help`` answers at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

from disposisi import defaults

if TYPE_CHECKING:
    from serving.settings import Settings

__all__ = ["emit", "fail", "load_settings", "ready_model_dir", "run", "user_errors"]

T = TypeVar("T")


def user_errors() -> tuple[type[BaseException], ...]:
    """Errors a user can cause (bad file, bad option, bad model directory): one line, never a traceback."""
    from batch.files import BatchError
    from models.artifact import ArtifactError
    from training.data import DataError
    from training.retrain import RetrainError

    return (BatchError, DataError, ArtifactError, RetrainError, ValueError, OSError, KeyError)


def fail(message: str, code: int = 1) -> NoReturn:
    """``error: message`` on stderr and exit ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def run(step: Callable[[], T]) -> T:
    """Run ``step``; a user-caused error becomes one line on stderr and exit code 1."""
    try:
        return step()
    except user_errors() as exc:
        fail(first_line(exc))


def emit(result: dict[str, Any], as_json: bool) -> None:
    """A result dictionary on stdout: JSON, or ``key: value`` lines with nested dictionaries indented."""
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False, default=str))
        return
    for key, value in result.items():
        if isinstance(value, dict):
            typer.echo(f"{key}:")
            for sub, item in value.items():
                typer.echo(f"  {sub}: {item:.4f}" if isinstance(item, float) else f"  {sub}: {item}")
        else:
            typer.echo(f"{key}: {value}")


def load_settings() -> Settings:
    """The service settings from ``DISPOSISI_*``; a bad one is a one-line error."""
    from pydantic import ValidationError

    from serving.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"setting {'.'.join(map(str, first['loc']))}: {first['msg']}")


def ready_model_dir(directory: Path, *, quiet: bool = False) -> Path:
    """``directory`` once it holds a model: the default one gets a demo model trained from data/samples
    on first use (serve and classify alike); any other empty one is a one-line error."""
    if defaults.has_model(directory):
        return directory
    if directory == defaults.DEFAULT_MODEL_DIR:
        if not quiet:
            typer.echo(f"no model in {directory} yet: training a demo model from data/samples first", err=True)
        run(lambda: defaults.ensure_model(directory))
        return directory
    fail(f"no model in {directory}: train one with `disposisi train DATA.csv --model-dir {directory}`")
