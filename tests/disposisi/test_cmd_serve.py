"""``disposisi serve``: a first model on a fresh machine, a warning without keys, and clear refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from disposisi.cli import app

ENV = ("API_KEYS", "MODEL_DIR", "MODEL_URI", "FEEDBACK_URL", "MAX_HEADER_BYTES", "KEEP_ALIVE_SECONDS")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """Run in an empty folder, with uvicorn and the demo training replaced by recorders."""
    import uvicorn

    import disposisi.defaults

    for name in ENV:
        monkeypatch.delenv(f"DISPOSISI_{name}", raising=False)
    monkeypatch.chdir(tmp_path)
    recorded: dict[str, Any] = {}

    def fake_run(app: str, **options: Any) -> None:
        import os

        recorded["uvicorn"] = (app, options)
        recorded["api_keys"] = os.environ.get("DISPOSISI_API_KEYS")
        recorded["model_dir"] = os.environ.get("DISPOSISI_MODEL_DIR")

    def fake_ensure(model_dir: Path) -> None:
        recorded["ensure_model"] = model_dir

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setattr(disposisi.defaults, "ensure_model", fake_ensure)
    return recorded


def test_serve_trains_a_demo_model_first_on_a_fresh_machine(calls: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert calls["ensure_model"] == Path("var") / "model"
    target, options = calls["uvicorn"]
    assert target == "serving.api:app_from_env"
    assert options["factory"] is True
    assert (options["host"], options["port"], options["workers"]) == ("127.0.0.1", 8123, 1)
    assert options["http"] == "serving.server_limits:DeadlineHttpToolsProtocol"  # slow clients are closed
    assert (options["h11_max_incomplete_event_size"], options["timeout_keep_alive"]) == (16_384, 5)
    assert calls["api_keys"] is None
    assert "warning: no DISPOSISI_API_KEYS set" in result.output


def test_serve_uses_a_given_model_dir_and_configured_keys(
    calls: dict[str, Any], sample_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPOSISI_API_KEYS", "kunci-operasi-12345")
    result = CliRunner().invoke(app, ["serve", "--model-dir", str(sample_model_dir)])
    assert result.exit_code == 0, result.output
    assert "ensure_model" not in calls
    assert calls["model_dir"] == str(sample_model_dir)
    assert calls["api_keys"] == "kunci-operasi-12345"
    assert "warning" not in result.output


def test_serve_refuses_an_empty_model_dir_it_was_pointed_at(calls: dict[str, Any], tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--model-dir", str(tmp_path / "kosong")])
    assert result.exit_code == 1
    assert "error: no model in" in result.output
    assert "disposisi train DATA.csv --model-dir" in result.output
    assert "uvicorn" not in calls


def test_serve_refuses_both_sources(calls: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["serve", "--model-dir", "x", "--model-uri", "models:/disposisi@champion"])
    assert result.exit_code == 2
    assert "give --model-dir or --model-uri, not both" in result.output


def test_serve_reports_a_bad_setting_in_one_line(calls: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPOSISI_API_KEYS", "pendek")
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 1
    assert result.output.startswith("error: setting api_keys: Value error, API keys must be at least 8 characters")
    assert "uvicorn" not in calls
