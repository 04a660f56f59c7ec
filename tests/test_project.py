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


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _absolute(module: str | None, level: int, importer: str, is_package: bool) -> str:
    if not level:
        return module or ""
    base = importer.split(".")
    base = base[: len(base) - level + (1 if is_package else 0)]
    return ".".join(base + ([module] if module else []))


def _is_module(dotted: str) -> bool:
    path = PACKAGE.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_uses(path: Path) -> list[str]:
    """``from x import _y`` of a private name, and ``module._y`` on a module this file imported
    (``_meta`` and other names on objects are not module attributes, so they never count)."""
    tree = ast.parse(path.read_text())
    importer, is_package = _module_name(path), path.name == "__init__.py"
    modules: set[str] = set()  # local names bound to a module
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node.module, node.level, importer, is_package)
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"line {node.lineno}: from {source} import {alias.name}")
                elif _is_module(f"{source}.{alias.name}"):
                    modules.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and _private(node.attr)
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_module_uses_another_modules_private_names():
    offenders = [
        f"{path.relative_to(PACKAGE)} {use}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] != "migrations"
        for use in _private_uses(path)
    ]
    assert offenders == []


def test_the_check_for_private_names_finds_them():
    # given a module of the package that reaches into another's private names
    probe = PACKAGE / "ledger" / "_probe_private_names.py"
    probe.write_text(
        "from . import services\nfrom .services import _append\nservices._move_balances\n"
    )
    try:
        found = _private_uses(probe)
    finally:
        probe.unlink()
    # then both the import and the attribute are named
    assert found == [
        "line 2: from saleor_retention.ledger.services import _append",
        "line 3: services._move_balances",
    ]


LEDGER_FAMILY = {"ledger", "bonuses", "earning", "redemption", "referrals", "tiers", "adjustments"}


def test_the_ledger_family_locks_rows_only_through_lock_objects():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] in LEDGER_FAMILY
        and "select_for_update" in path.read_text()
    ]
    assert offenders == []


def _nodes(tree: ast.AST, *, at_import: bool) -> list[ast.AST]:
    """Every node, or (``at_import``) those that run when the module is imported: not inside a
    function (an import there, such as the privacy registry loading every domain, runs later)."""
    if not at_import:
        return list(ast.walk(tree))
    found, todo = [], [tree]
    while todo:
        node = todo.pop()
        found.append(node)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            todo += ast.iter_child_nodes(node)
    return found


def _package_imports(path: Path, *, at_import: bool = False) -> set[str]:
    """The plugin's modules ``path`` imports (anywhere in it, or only at import), as dotted
    names; ``from . import x`` names the module ``x`` when it is one."""
    tree = ast.parse(path.read_text())
    importer, is_package = _module_name(path), path.name == "__init__.py"
    found = set()
    for node in _nodes(tree, at_import=at_import):
        if isinstance(node, ast.ImportFrom):
            source = _absolute(node.module, node.level, importer, is_package)
            for alias in node.names:
                dotted = f"{source}.{alias.name}"
                found.add(dotted if _is_module(dotted) else source)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] == PACKAGE.name}


def _module_path(dotted: str) -> Path:
    path = PACKAGE.parent.joinpath(*dotted.split("."))
    return path / "__init__.py" if (path / "__init__.py").exists() else path.with_suffix(".py")


def _reachable(start: list[Path]) -> dict[str, str]:
    """Every plugin module the given modules load when imported, each with the module that
    first imported it."""
    seen: dict[str, str] = {}
    todo = [(_module_name(path), "") for path in start]
    while todo:
        name, by = todo.pop()
        if name in seen:
            continue
        seen[name] = by
        todo += [(child, name) for child in _package_imports(_module_path(name), at_import=True)]
    return seen


def test_the_ledger_never_reaches_the_audit_record():
    # the book posts points; who acted and why is the acting domain's business
    # (adjustments/events.py writes a staff adjustment's event beside its service)
    reached = _reachable(sorted((PACKAGE / "ledger").glob("*.py")))
    offenders = [
        f"{name} (imported by {by})"
        for name, by in sorted(reached.items())
        if name.split(".")[1:2] == ["audit"]
    ]
    assert offenders == []


def test_audit_writers_live_in_each_domains_events_module():
    # only events.py modules write the record; the GraphQL view and the plugin may ask who acts
    allowed = {"graphql/view.py", "plugin.py"}
    offenders = [
        str(rel)
        for path in sorted(PACKAGE.rglob("*.py"))
        if (rel := path.relative_to(PACKAGE)).parts[0] not in {"audit", "migrations"}
        and path.name != "events.py"
        and str(rel) not in allowed
        and "saleor_retention.audit.services" in _package_imports(path)
    ]
    assert offenders == []


def test_the_ledger_imports_no_other_domain():
    # the book knows accounts, entries, lots and holds; its siblings (bonuses, referrals, tiers,
    # earning, redemption, adjustments) and every other domain call it, never the reverse. Shared
    # modules (conf, errors, lock_objects, the privacy registry) are not domains.
    domains = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    offenders = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in sorted((PACKAGE / "ledger").glob("*.py"))
        for name in _package_imports(path)
        if name.split(".")[1] in domains - {"ledger"}
    ]
    assert offenders == []
