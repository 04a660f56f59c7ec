"""Issue 11: the retention API follows Saleor's conventions and leaves Saleor's own schema as it is.

graphql-core 2.3 (Saleor 2.10's) has no ``find_breaking_changes``, so ``schema_changes`` compares
the two type maps with graphql-js's rules: what breaks a client written against stock Saleor
(a type, field, argument, enum value or union member gone or changed; a required argument or
input field added) and what is dangerous (an enum value or union member added, an optional
argument added, a default changed, an interface dropped or added).
"""

from __future__ import annotations

from graphql.type.definition import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
)
from saleor.graphql.api import schema as saleor_schema

from saleor_retention.graphql.schema import schema as retention_schema

RETENTION_PREFIXES = ("retention", "loyalty", "review", "forum")


def _arguments(old_field, new_field, where, breaking, dangerous):
    for name, old_arg in old_field.args.items():
        new_arg = new_field.args.get(name)
        if new_arg is None or str(new_arg.type) != str(old_arg.type):
            breaking.append(f"{where}({name}) removed or changed")
        elif new_arg.default_value != old_arg.default_value:
            dangerous.append(f"{where}({name}) default changed")
    for name, new_arg in new_field.args.items():
        if name not in old_field.args:
            kind = breaking if isinstance(new_arg.type, GraphQLNonNull) else dangerous
            kind.append(f"{where}({name}) added")


def schema_changes(old, new) -> tuple[list[str], list[str]]:
    """(breaking, dangerous) changes from ``old`` to ``new``, for the types of ``old``."""
    breaking: list[str] = []
    dangerous: list[str] = []
    ours = new.get_type_map()
    for name, old_type in old.get_type_map().items():
        if name.startswith("__"):
            continue
        new_type = ours.get(name)
        if new_type is None or type(new_type) is not type(old_type):
            breaking.append(f"{name} removed or changed kind")
            continue
        if isinstance(old_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, old_field in old_type.fields.items():
                new_field = new_type.fields.get(field_name)
                where = f"{name}.{field_name}"
                if new_field is None or str(new_field.type) != str(old_field.type):
                    breaking.append(f"{where} removed or changed")
                    continue
                _arguments(old_field, new_field, where, breaking, dangerous)
        if isinstance(old_type, GraphQLObjectType):
            old_interfaces = {i.name for i in old_type.interfaces}
            new_interfaces = {i.name for i in new_type.interfaces}
            breaking += [f"{name} lost {i}" for i in old_interfaces - new_interfaces]
            dangerous += [f"{name} gained {i}" for i in new_interfaces - old_interfaces]
        if isinstance(old_type, GraphQLInputObjectType):
            for field_name, old_field in old_type.fields.items():
                new_field = new_type.fields.get(field_name)
                if new_field is None or str(new_field.type) != str(old_field.type):
                    breaking.append(f"{name}.{field_name} removed or changed")
            for field_name, new_field in new_type.fields.items():
                if field_name not in old_type.fields:
                    kind = breaking if isinstance(new_field.type, GraphQLNonNull) else dangerous
                    kind.append(f"{name}.{field_name} added")
        if isinstance(old_type, GraphQLEnumType):
            old_values = {v.name for v in old_type.values}
            new_values = {v.name for v in new_type.values}
            breaking += [f"{name}.{v} removed" for v in old_values - new_values]
            dangerous += [f"{name}.{v} added" for v in new_values - old_values]
        if isinstance(old_type, GraphQLUnionType):
            old_members = {t.name for t in old_type.types}
            new_members = {t.name for t in new_type.types}
            breaking += [f"{name} lost {t}" for t in old_members - new_members]
            dangerous += [f"{name} gained {t}" for t in new_members - old_members]
    return breaking, dangerous


def _named(graphql_type):
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type


def _retention_types():
    saleor_types = saleor_schema.get_type_map()
    return {
        name: t
        for name, t in retention_schema.get_type_map().items()
        if name not in saleor_types and isinstance(t, GraphQLObjectType)
    }


def test_nothing_of_saleors_schema_changes():
    # given Saleor 2.10's stock schema and the one the plugin serves

    # when they are compared type by type
    breaking, dangerous = schema_changes(saleor_schema, retention_schema)

    # then 0 breaking and 0 dangerous changes: retention only adds fields and types
    assert breaking == []
    assert dangerous == []


def test_the_comparison_sees_a_breaking_and_a_dangerous_change():
    # given a schema whose field changes type and whose enum gains a value
    import graphene

    before_enum = graphene.Enum("Direction", [("ASC", "asc"), ("DESC", "desc")])
    after_enum = graphene.Enum("Direction", [("ASC", "asc"), ("DESC", "desc"), ("RANDOM", "?")])

    def schema_of(shop_type, enum):
        query = type(
            "Query", (graphene.ObjectType,), {"shop": shop_type, "sort": graphene.Field(enum)}
        )
        return graphene.Schema(query=query)

    old = schema_of(graphene.String(), before_enum)
    new = schema_of(graphene.String(required=True), after_enum)

    # when compared
    breaking, dangerous = schema_changes(old, new)

    # then both are reported
    assert breaking == ["Query.shop removed or changed"]
    assert dangerous == ["Direction.RANDOM added"]


def test_every_retention_mutation_payload_has_typed_errors():
    # given every mutation the plugin adds
    mutations = retention_schema.get_mutation_type().fields
    saleor_mutations = saleor_schema.get_mutation_type().fields
    ours = {name: f for name, f in mutations.items() if name not in saleor_mutations}
    assert len(ours) > 20

    # then each payload has errors: [RetentionError!]! with field, message and code
    missing = []
    for name, field in ours.items():
        errors = _named(field.type).fields.get("errors")
        if errors is None or str(errors.type) != "[RetentionError!]!":
            missing.append(name)
    assert missing == []
    error_type = retention_schema.get_type("RetentionError")
    assert set(error_type.fields) == {"field", "message", "code"}


def test_every_retention_type_with_an_id_implements_node():
    # given the object types the plugin adds
    types = _retention_types()

    # then each with an id is a Node, so node(id:) fetches it
    with_id = sorted(
        name
        for name, t in types.items()
        if "id" in t.fields and not name.endswith(("Connection", "Edge"))
    )
    not_nodes = [name for name in with_id if "Node" not in {i.name for i in types[name].interfaces}]
    assert not_nodes == []
    assert {
        "Review",
        "ReviewRequest",
        "ForumBoard",
        "ForumTopic",
        "ForumPost",
        "LoyaltyCard",
        "LoyaltyCardProgram",
        "LoyaltyEntry",
    } <= set(with_id)


def _list_fields():
    """(owner.field, field) of every retention field that returns a list or a connection."""
    saleor_types = saleor_schema.get_type_map()
    for name, t in retention_schema.get_type_map().items():
        if not isinstance(t, GraphQLObjectType) or name.startswith("__"):
            continue
        for field_name, field in t.fields.items():
            saleor_type = saleor_types.get(name)
            if saleor_type is not None and field_name in saleor_type.fields:
                continue  # Saleor's own
            if saleor_type is not None and not field_name.startswith(RETENTION_PREFIXES):
                continue
            if name.endswith(("Connection", "Edge")) or name == "PageInfo":
                continue
            yield f"{name}.{field_name}", field


def test_every_retention_list_is_a_countable_connection_in_saleors_shape():
    # given every retention field that returns many rows (short fixed lists excepted: a review's
    # photos and reports, a rating's 5-star distribution, a board's tiers, expiring points)
    small = {
        "Review.photos",
        "Review.reports",
        "ReviewSummary.distribution",
        "ForumBoard.tiers",
        "LoyaltyAccount.expiringPoints",
        "LoyaltyCardProgram.eligibleTiers",
        "RetentionShopSettings.pointsPerCurrencyUnit",
    }
    plain_lists, connections = [], []
    for where, field in _list_fields():
        named = _named(field.type)
        if named.name.endswith("CountableConnection"):
            connections.append((where, field, named))
        elif isinstance(field.type, GraphQLList) or isinstance(
            getattr(field.type, "of_type", None), GraphQLList
        ):
            if where not in small and not where.endswith(".errors"):
                plain_lists.append(where)

    # then none is a plain list, and each connection pages as Saleor's do
    assert plain_lists == []
    assert len(connections) >= 11
    for where, field, connection in connections:
        assert {"first", "last", "before", "after"} <= set(field.args), where
        assert set(connection.fields) == {"edges", "pageInfo", "totalCount"}, where
        page_info = _named(connection.fields["pageInfo"].type)
        assert page_info is retention_schema.get_type("PageInfo"), where
        edge = _named(connection.fields["edges"].type)
        assert set(edge.fields) == {"cursor", "node"}, where
