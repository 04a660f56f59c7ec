"""Every GraphQL example in the docs is valid against the served schema, so a storefront
developer who pastes one gets an answer, not a validation error."""

import re
from pathlib import Path

import pytest
from graphql import parse, validate
from graphql.language.ast import Document

from saleor_retention.graphql.schema import schema

DOCS = Path(__file__).resolve().parents[1] / "docs"
EXAMPLES = [
    (path.name, index, block)
    for path in sorted(DOCS.glob("*.md"))
    for index, block in enumerate(re.findall(r"```graphql\n(.*?)```", path.read_text(), re.S))
]


def test_the_docs_have_examples():
    assert {name for name, _index, _block in EXAMPLES} >= {"graphql.md", "reviews.md", "forum.md"}


@pytest.mark.parametrize(("doc", "index", "block"), EXAMPLES, ids=lambda v: str(v)[:20])
def test_each_example_validates(doc, index, block):
    # each operation alone: a block may show several anonymous ones
    errors = [
        str(error)
        for definition in parse(block).definitions
        for error in validate(schema, Document(definitions=[definition]))
    ]
    assert errors == [], f"{doc} example {index}"
