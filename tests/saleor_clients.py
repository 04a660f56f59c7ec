"""The GraphQL operations of Saleor 2.10's own clients (dashboard and storefront), read from their
git repositories at the 2.10.1 tag, so a test can check that the query limits never refuse them.

Nothing of theirs is copied into this repository: point ``SALEOR_DASHBOARD_GIT`` and
``SALEOR_STOREFRONT_GIT`` at clones (or bare mirrors) of github.com/saleor/saleor-dashboard and
github.com/saleor/saleor-storefront; without them the test is skipped.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import parse
from graphql.error import GraphQLSyntaxError
from graphql.language import ast

CLIENTS = {"dashboard": "SALEOR_DASHBOARD_GIT", "storefront": "SALEOR_STOREFRONT_GIT"}
TAG = "2.10.1"
GQL_LITERAL = re.compile(r"gql\s*`(.*?)`", re.S)
INTERPOLATION = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True)
class ClientOperation:
    client: str
    path: str
    name: str
    document: ast.Document
    int_variables: tuple[str, ...]


def client_repositories() -> dict[str, str]:
    return {client: os.environ[var] for client, var in CLIENTS.items() if os.environ.get(var)}


def _git(repository: str, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", _git_dir(repository), *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _git_dir(repository: str) -> str:
    dot_git = os.path.join(repository, ".git")
    return dot_git if os.path.isdir(dot_git) else repository


def _literals(repository: str) -> Iterator[tuple[str, str]]:
    paths = _git(repository, "ls-tree", "-r", "--name-only", TAG, "src").split()
    for path in paths:
        if not path.endswith((".ts", ".tsx", ".js")) or "/types/" in path:
            continue
        source = _git(repository, "show", f"{TAG}:{path}")
        for match in GQL_LITERAL.finditer(source):
            yield path, INTERPOLATION.sub("", match.group(1))


def client_operations() -> list[ClientOperation]:
    """Every named operation, with the fragments it spreads, from each configured client."""
    operations = []
    for client, repository in client_repositories().items():
        fragments: dict[str, ast.FragmentDefinition] = {}
        found: list[tuple[str, ast.OperationDefinition]] = []
        for path, text in _literals(repository):
            try:
                document = parse(text)
            except GraphQLSyntaxError:
                continue  # a literal built from pieces at run time
            for definition in document.definitions:
                if isinstance(definition, ast.FragmentDefinition):
                    fragments.setdefault(definition.name.value, definition)
                elif isinstance(definition, ast.OperationDefinition):
                    found.append((path, definition))
        for path, operation in found:
            used = _fragments_used(operation, fragments)
            operations.append(
                ClientOperation(
                    client=client,
                    path=path,
                    name=operation.name.value if operation.name else "(anonymous)",
                    document=ast.Document(definitions=[operation, *used]),
                    int_variables=tuple(
                        d.variable.name.value
                        for d in operation.variable_definitions or ()
                        if _type_name(d.type) == "Int"
                    ),
                )
            )
    return operations


def _type_name(type_node: ast.Node) -> str:
    while not isinstance(type_node, ast.NamedType):
        type_node = type_node.type
    return type_node.name.value


def _fragments_used(
    node: ast.Node, fragments: dict[str, ast.FragmentDefinition]
) -> list[ast.FragmentDefinition]:
    used: dict[str, ast.FragmentDefinition] = {}
    pending = [node]
    while pending:
        current = pending.pop()
        selection_set = getattr(current, "selection_set", None)
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, ast.FragmentSpread):
                name = selection.name.value
                if name not in used and name in fragments:
                    used[name] = fragments[name]
                    pending.append(fragments[name])
            else:
                pending.append(selection)
    return list(used.values())
