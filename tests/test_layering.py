"""Data flows one way: adapters -> normalized model -> cores -> API/CLI. These rules are read from the imports
of every module (also imports inside functions), so a shortcut across the layers fails here, not in review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What an adapter may use of the gateway: the model, the error trees, the bureau contract and settings.
ADAPTER_MAY_IMPORT = (
    "gateway.model",
    "gateway.errors",
    "gateway.bureau_errors",
    "gateway.bureaus",
    "gateway.settings",
    "gateway.single_flight",
)
CORES = ("model", "matching", "ledger", "approval", "credit", "desk")
# The pure parts: no database, no web framework, no command line.
PURE = ("gateway/model", "gateway/matching", "gateway/approval/decide.py", "gateway/approval/policy.py",
        "gateway/desk/charts.py")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _modules(*parts: str) -> list[Path]:
    out: list[Path] = []
    for part in parts:
        path = ROOT / part
        out += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return out


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("path", _modules("adapters"), ids=lambda p: str(p.relative_to(ROOT)))
def test_adapters_use_only_the_model_errors_and_contracts_of_the_gateway(path: Path) -> None:
    wrong = [n for n in _imports(path) if _within(n, ("gateway",)) and not _within(n, ADAPTER_MAY_IMPORT)]
    assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"


@pytest.mark.parametrize("path", _modules(*(f"gateway/{c}" for c in CORES)), ids=lambda p: str(p.relative_to(ROOT)))
def test_cores_know_no_file_format_no_bureau_and_no_front_end(path: Path) -> None:
    wrong = [n for n in _imports(path) if _within(n, ("adapters", "gateway.api", "gateway.cli", "fastapi", "typer"))]
    assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"


@pytest.mark.parametrize("path", _modules(*PURE), ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_parts_touch_no_database(path: Path) -> None:
    wrong = [n for n in _imports(path) if _within(n, ("sqlalchemy", "gateway.storage", "psycopg", "httpx"))]
    assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"
