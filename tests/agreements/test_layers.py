"""agreements sits above organizations and portal: organizations imports nothing from it (it reaches the
agreements through organizations.signals), and portal only wires its URLs and names its models for typing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# portal's only ties to agreements: the URLconf includes its pages and API, and permissions.py names its
# models for type checking.
PORTAL_ALLOWED = {"portal/urls.py", "portal/permissions.py"}


def imports_of_agreements(path: Path) -> list[str]:
    """The `agreements` modules that the module at `path` imports, anywhere in it."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "agreements"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "agreements":
            found.append(node.module or "")
    return found


def modules(app: str) -> list[Path]:
    return sorted(path for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts)


@pytest.mark.parametrize("path", modules("organizations"), ids=lambda path: str(path.relative_to(ROOT)))
def test_organizations_imports_nothing_from_agreements(path: Path) -> None:
    assert imports_of_agreements(path) == []


def test_portal_imports_agreements_only_to_wire_and_type_them() -> None:
    importers = {str(path.relative_to(ROOT)) for path in modules("portal") if imports_of_agreements(path)}

    assert importers <= PORTAL_ALLOWED
