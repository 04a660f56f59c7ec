"""Depth, cost and repetition limits for the combined GraphQL endpoint, checked on the parsed
document before anything runs.

graphql-core 2 (Saleor 2.10) has no query-cost validator, so the analysis walks the AST itself,
following fragments and inline fragments and reading ``first``/``last`` from literals or variables:

- **depth**: the longest chain of nested fields (``{ shop { name } }`` is 2).
- **cost**: each field costs its weight times the number of times it may run. A field with a
  ``first``/``last`` argument runs its sub-selection that many times (the argument's default when
  left out, ``UNBOUNDED_PAGE`` when there is none), and the multipliers compound through nesting.
  Weights: Saleor object fields 1, Saleor scalars 0, plugin fields (retention types and the
  fields the plugin adds to Saleor's types) 2 for objects and 1 for scalars, root mutations 10,
  and a few expensive plugin fields more (``FIELD_COSTS``).
- **repetition**: how often one field is asked for under different aliases in one selection set
  (200 aliases of ``retentionData`` would otherwise run 200 exports).

The cost of a fragment is linear in its multiplier, so each fragment is analysed once: the
analysis stays linear in the size of the document however often fragments are spread.
The limits are operator settings: ``saleor_retention/query_limits.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from graphql.error import GraphQLError
from graphql.language import ast
from graphql.type.definition import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    get_named_type,
    is_leaf_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

from ..query_limits import Limits

PLUGIN_PREFIXES = ("Retention", "Loyalty", "Review", "Forum")
PLUGIN_FIELD_PREFIXES = ("retention", "loyalty", "review", "forum")
SALEOR_OBJECT_COST = 1
PLUGIN_OBJECT_COST = 2
PLUGIN_SCALAR_COST = 1
MUTATION_COST = 10
UNBOUNDED_PAGE = 100  # a paginated field asked for without first/last: count a full page
# (type, field) -> weight, for plugin fields that do much more than one query
FIELD_COSTS = {
    ("User", "retentionData"): 500,  # a whole data export
    ("Query", "loyaltyCardProgramReport"): 100,
    ("Product", "reviewJsonLd"): 5,
    ("Product", "reviewSummary"): 3,
}
PAGE_ARGUMENTS = ("first", "last")


class QueryRefused(GraphQLError):
    """An over-limit query, refused before it runs; ``extensions`` carry the code and numbers."""

    def __init__(self, message: str, *, code: str, **numbers: Any) -> None:
        super().__init__(message, extensions={"code": code, **numbers})
        self.code = code


@dataclasses.dataclass
class _Shape:
    """What a selection set asks for, per unit of its multiplier."""

    depth: int = 0
    cost: int = 0
    # field name -> response keys asked for at this level (aliases)
    keys: dict[str, set[str]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Analysis:
    depth: int
    cost: int
    most_repeated_field: str | None
    repeats: int
    # whether a variable's value entered the figures (a page size); if not, they hold for every
    # request that sends the same text, and the view keeps them with the parsed document
    uses_variables: bool = False
    # whether the operation selects one of the plugin's fields (``schema.retention_fields``)
    touches_plugin: bool = False


class _Analyser:
    def __init__(self, schema: Any, document: ast.Document, variables: Mapping[str, Any]):
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, ast.FragmentDefinition)
        }
        self.fragment_shapes: dict[str, _Shape] = {}
        self.fragments_in_progress: set[str] = set()
        self.variable_defaults: dict[str, Any] = {}
        self.repeats = 0
        self.most_repeated_field: str | None = None
        self.uses_variables = False
        self.plugin_fields: frozenset[tuple[str, str]] = getattr(
            schema, "retention_fields", frozenset()
        )
        self.touches_plugin = False

    def operation(self, operation: ast.OperationDefinition) -> Analysis:
        self.variable_defaults = {
            d.variable.name.value: d.default_value for d in operation.variable_definitions or ()
        }
        root = {
            "query": self.schema.get_query_type,
            "mutation": self.schema.get_mutation_type,
            "subscription": self.schema.get_subscription_type,
        }[operation.operation]()
        shape = self.selection_set(
            operation.selection_set, root, is_mutation=operation.operation == "mutation"
        )
        return Analysis(
            shape.depth,
            shape.cost,
            self.most_repeated_field,
            self.repeats,
            self.uses_variables,
            self.touches_plugin,
        )

    def selection_set(
        self, selection_set: ast.SelectionSet | None, parent: Any, *, is_mutation: bool = False
    ) -> _Shape:
        shape = _Shape()
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, ast.Field):
                depth, cost = self.field(selection, parent, is_mutation=is_mutation)
                name = selection.name.value
                key = selection.alias.value if selection.alias else name
                shape.keys.setdefault(name, set()).add(key)
            else:
                if isinstance(selection, ast.FragmentSpread):
                    inner = self.fragment(selection.name.value)
                else:
                    condition = selection.type_condition
                    inner_parent = self.named_type(condition.name.value) if condition else parent
                    inner = self.selection_set(
                        selection.selection_set, inner_parent, is_mutation=is_mutation
                    )
                depth, cost = inner.depth, inner.cost
                for name, keys in inner.keys.items():
                    shape.keys.setdefault(name, set()).update(keys)
            shape.depth = max(shape.depth, depth)
            shape.cost += cost
        for name, keys in shape.keys.items():
            if len(keys) > self.repeats:
                self.repeats, self.most_repeated_field = len(keys), name
        return shape

    def fragment(self, name: str) -> _Shape:
        if name in self.fragment_shapes:
            return self.fragment_shapes[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.fragments_in_progress:
            return _Shape()  # unknown or cyclic: validation refuses the document anyway
        self.fragments_in_progress.add(name)
        condition = definition.type_condition
        parent = self.named_type(condition.name.value) if condition else None
        shape = self.selection_set(definition.selection_set, parent)
        self.fragments_in_progress.discard(name)
        self.fragment_shapes[name] = shape
        return shape

    def field(self, node: ast.Field, parent: Any, *, is_mutation: bool) -> tuple[int, int]:
        name = node.name.value
        if (getattr(parent, "name", ""), name) in self.plugin_fields:
            self.touches_plugin = True
        definition = self.field_definition(parent, name)
        field_type = get_named_type(definition.type) if definition else None
        weight = self.weight(parent, name, field_type, is_mutation=is_mutation)
        children = self.selection_set(node.selection_set, field_type)
        return 1 + children.depth, weight + self.page_size(node, definition) * children.cost

    def named_type(self, name: str) -> Any:
        return self.schema.get_type_map().get(name)  # None for an unknown type: no crash here

    def field_definition(self, parent: Any, name: str) -> Any:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return parent.fields.get(name)
        return None  # __typename, a union's field or an unknown one

    @staticmethod
    def weight(parent: Any, name: str, field_type: Any, *, is_mutation: bool) -> int:
        parent_name = getattr(parent, "name", "")
        if (parent_name, name) in FIELD_COSTS:
            return FIELD_COSTS[parent_name, name]
        if is_mutation:
            return MUTATION_COST
        leaf = field_type is None or is_leaf_type(field_type)
        if parent_name.startswith(PLUGIN_PREFIXES) or name.startswith(PLUGIN_FIELD_PREFIXES):
            return PLUGIN_SCALAR_COST if leaf else PLUGIN_OBJECT_COST
        return 0 if leaf else SALEOR_OBJECT_COST

    def page_size(self, node: ast.Field, definition: Any) -> int:
        if definition is None:
            return 1
        page_arguments = [a for a in PAGE_ARGUMENTS if a in definition.args]
        if not page_arguments:
            return 1
        given = {
            a.name.value: a.value for a in node.arguments or () if not self.unset_variable(a.value)
        }
        sizes = []
        for argument in page_arguments:
            size = self.int_value(given.get(argument))
            if size is None and argument not in given:
                size = self.int_value(definition.args[argument].default_value)
            if size is not None:
                sizes.append(size)
        return max(0, min(sizes)) if sizes else UNBOUNDED_PAGE

    def unset_variable(self, value: Any) -> bool:
        """A variable neither sent nor defaulted: the argument counts as left out."""
        if not isinstance(value, ast.Variable):
            return False
        self.uses_variables = True
        name = value.name.value
        return name not in self.variables and self.variable_defaults.get(name) is None

    def int_value(self, value: Any) -> int | None:
        if isinstance(value, ast.Variable):
            self.uses_variables = True
            name = value.name.value
            if name in self.variables:
                value = self.variables[name]
            else:
                value = self.variable_defaults.get(name)
        if isinstance(value, ast.IntValue):
            value = value.value
        if isinstance(value, bool):
            return None
        try:
            return int(value) if isinstance(value, int | str) else None
        except ValueError:
            return None


def analyse(
    schema: Any,
    document: ast.Document,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> Analysis | None:
    """Depth, cost and repetition of the operation that would run; None when none would (the
    executor reports that)."""
    operations = [d for d in document.definitions if isinstance(d, ast.OperationDefinition)]
    if operation_name:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        return None
    variables = variables if isinstance(variables, Mapping) else {}
    return _Analyser(schema, document, variables).operation(operations[0])


def refusal(analysis: Analysis | None, limits: Limits) -> QueryRefused | None:
    """The error for the first limit ``analysis`` exceeds, or None."""
    if analysis is None:
        return None
    if limits.max_depth and analysis.depth > limits.max_depth:
        return QueryRefused(
            _("The query is nested %(depth)s levels deep; at most %(max)s are allowed.")
            % {"depth": analysis.depth, "max": limits.max_depth},
            code="QUERY_TOO_DEEP",
            depth=analysis.depth,
            maxDepth=limits.max_depth,
        )
    if limits.max_aliases and analysis.repeats > limits.max_aliases:
        return QueryRefused(
            _(
                "The query asks for %(field)s %(count)s times in one place; at most %(max)s "
                "are allowed."
            )
            % {
                "field": analysis.most_repeated_field,
                "count": analysis.repeats,
                "max": limits.max_aliases,
            },
            code="QUERY_TOO_REPETITIVE",
            field=analysis.most_repeated_field,
            repeats=analysis.repeats,
            maxAliases=limits.max_aliases,
        )
    if limits.max_cost and analysis.cost > limits.max_cost:
        return QueryRefused(
            _(
                "The query would cost %(cost)s; at most %(max)s is allowed. Ask for smaller "
                "pages (first) or fewer nested lists."
            )
            % {"cost": analysis.cost, "max": limits.max_cost},
            code="QUERY_TOO_COMPLEX",
            cost=analysis.cost,
            maxCost=limits.max_cost,
        )
    return None


def batch_refusal(data: Any, limits: Limits) -> QueryRefused | None:
    """The error for a request body that lists more operations than ``max_batch``, or None."""
    if not isinstance(data, list) or not limits.max_batch or len(data) <= limits.max_batch:
        return None
    return QueryRefused(
        _("The request holds %(count)s operations; at most %(max)s are allowed.")
        % {"count": len(data), "max": limits.max_batch},
        code="QUERY_BATCH_TOO_LARGE",
        operations=len(data),
        maxBatch=limits.max_batch,
    )
