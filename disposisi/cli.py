"""The ``disposisi`` console script: it only assembles the Typer app from one module a command.

``cmd_train``, ``cmd_evaluate``, ``cmd_retrain``, ``cmd_serve`` and ``cmd_classify`` each hold one command, a thin typed
wrapper over an importable function of ``training``, ``serving`` or ``batch``; what they share (user
errors as one line on stderr and exit code 1, never a traceback; 2 for usage errors, from Typer) is in
:mod:`disposisi.console`.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from disposisi.cmd_classify import classify
from disposisi.cmd_evaluate import evaluate
from disposisi.cmd_retrain import retrain
from disposisi.cmd_serve import serve
from disposisi.cmd_train import train
from models.logs import configure_logging

__all__ = ["app", "main"]

app = typer.Typer(
    name="disposisi",
    help="Suggest the OPD and urgency of Indonesian citizen complaints: train, evaluate, retrain, serve, classify.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug detail.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Log warnings only.")] = False,
) -> None:
    configure_logging(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)


app.command()(train)
app.command()(evaluate)
app.command()(retrain)
app.command()(classify)
app.command()(serve)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
