"""One endpoint: Saleor's whole schema plus the retention fields, guarded by a committed snapshot."""

import difflib
from pathlib import Path

from graphql.type.definition import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
)
from saleor.graphql.api import schema as saleor_schema

from saleor_retention.graphql.schema import schema, schema_sdl

SNAPSHOT = Path(__file__).resolve().parents[1] / "saleor_retention" / "graphql" / "schema.graphql"


def test_schema_matches_the_committed_snapshot():
    current = schema_sdl()
    expected = SNAPSHOT.read_text()
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(True), current.splitlines(True), "snapshot", "schema"
        )
    )
    assert not diff, f"GraphQL schema changed; if intended run `make schema`:\n{diff}"


def _describe(graphql_type):
    """Everything a client relies on, per named type."""
    if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
        return {
            name: (str(field.type), {a: str(arg.type) for a, arg in field.args.items()})
            for name, field in graphql_type.fields.items()
        }
    if isinstance(graphql_type, GraphQLInputObjectType):
        return {name: str(field.type) for name, field in graphql_type.fields.items()}
    if isinstance(graphql_type, GraphQLEnumType):
        return {value.name for value in graphql_type.values}
    if isinstance(graphql_type, GraphQLUnionType):
        return {t.name for t in graphql_type.types}
    return None


def test_saleor_types_lose_nothing():
    ours = schema.get_type_map()
    lost = []
    for name, saleor_type in saleor_schema.get_type_map().items():
        if name.startswith("__"):
            continue
        if name not in ours:
            lost.append(name)
            continue
        before, after = _describe(saleor_type), _describe(ours[name])
        if isinstance(before, dict):
            lost += [f"{name}.{f}" for f, spec in before.items() if after.get(f) != spec]
        elif before is not None and not before <= after:
            lost.append(name)
    assert lost == []


def test_only_retention_additions():
    ours, saleor = schema.get_type_map(), saleor_schema.get_type_map()
    new_types = sorted(set(ours) - set(saleor))
    # reviews and forums use the names issue 5 gives them (Product.reviews, forumTopics, ...);
    # insight (issue 12) names its files and segments after the customer (User.customerFile)
    assert all(
        name.startswith(("Retention", "Loyalty", "Review", "Forum", "Customer"))
        for name in new_types
    ), new_types
    added_fields = sorted(
        f"{name}.{field}"
        for name, t in saleor.items()
        if isinstance(t, GraphQLObjectType)
        for field in set(ours[name].fields) - set(t.fields)
    )
    assert "Shop.retention" in added_fields
    assert "Mutation.retentionEventsRetry" in added_fields
    # and node(id:), which Saleor 2.10 lacks: it fetches retention types only
    assert "Query.node" in added_fields
    assert all(
        f.split(".")[1].startswith(("retention", "loyalty", "review", "forum", "customer"))
        for f in added_fields
        if f != "Query.node"
    ), added_fields


def test_storefront_gets_saleor_and_retention_data_in_one_request(driver):
    data = driver.query(
        "{ shop { name retention { pluginActive } } products(first: 1) { edges { node { name } } } }"
    )
    assert data["shop"]["retention"] == {"pluginActive": False}
    assert data["products"]["edges"][0]["node"]["name"] == "Oolong 100 g"
