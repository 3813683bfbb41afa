"""How the fake Shopify reads a GraphQL request: the operation, its root field's arguments and
`@idempotent` key, a rough price, and the search and cursor strings it pages with."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from functools import lru_cache

import graphql


@lru_cache(maxsize=64)
def operation(query: str) -> graphql.OperationDefinitionNode:
    document = graphql.parse(query)
    return next(d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode))


def arguments(field: graphql.FieldNode, variables: dict) -> dict:
    return {arg.name.value: graphql.value_from_ast_untyped(arg.value, variables) for arg in field.arguments or ()}


def directive_key(field: graphql.FieldNode, variables: dict) -> str | None:
    for directive in field.directives or ():
        if directive.name.value == "idempotent":
            for arg in directive.arguments or ():
                if arg.name.value == "key":
                    return graphql.value_from_ast_untyped(arg.value, variables)
    return None


def cost(selection_set, variables: dict) -> float:
    """Shopify's requested cost, roughly: an object 1, a scalar 0, a connection (a field with
    `first`) 2 plus `first` times its selection."""
    total = 0.0
    for field in selection_set.selections:
        if not isinstance(field, graphql.FieldNode) or field.selection_set is None:
            continue
        inner = cost(field.selection_set, variables)
        first = arguments(field, variables).get("first")
        total += 2 + int(first) * inner if first is not None else 1 + inner
    return total


def since(search: str) -> datetime | None:
    """The time in a `created_at:>='...'` (or updated_at) search."""
    if ":>=" not in search:
        return None
    return when(search.split(":>=", 1)[1].strip().strip("'\""))


def when(value: str | None) -> datetime:
    return datetime.fromisoformat(value) if value else datetime.min.replace(tzinfo=UTC)


def cursor(position: int) -> str:
    return base64.b64encode(json.dumps({"last_id": position}).encode()).decode()


def position(cursor: str | None) -> int:
    return int(json.loads(base64.b64decode(cursor))["last_id"]) if cursor else 0
