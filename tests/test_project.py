"""Project guards: migrations match the models; imports point one way."""

import ast
from io import StringIO
from pathlib import Path

from django.core.management import call_command

PACKAGE = Path(__file__).resolve().parents[1] / "saleor_retention"


def test_models_and_migrations_agree(db):
    out = StringIO()
    try:
        call_command("makemigrations", "saleor_retention", "--check", "--dry-run", stdout=out)
    except SystemExit:
        raise AssertionError(f"models changed without a migration:\n{out.getvalue()}") from None


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_domain_code_never_imports_graphql_or_the_plugin():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in {"graphql", "migrations", "management"} or rel.name in {
            "plugin.py",
            "urls.py",
        }:
            continue
        for name in _imports(path):
            if "graphql" in name.split(".") or name.endswith("plugin") or "graphene" in name:
                offenders.append(f"{rel}: {name}")
    assert offenders == []


def test_only_the_adapter_imports_saleor_models():
    allowed = {"plugin.py", "urls.py"}
    offenders = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in PACKAGE.rglob("*.py")
        if path.name not in allowed
        and path.relative_to(PACKAGE).parts[0] not in {"graphql", "saleor_adapter"}
        for name in _imports(path)
        if name.startswith("saleor.")
        and name.split(".")[1]
        in {
            "order",
            "account",
            "checkout",
            "product",
            "payment",
            "discount",
            "giftcard",
            "plugins",
        }
    ]
    assert offenders == []
