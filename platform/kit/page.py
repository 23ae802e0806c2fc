"""One page of a list, as the JSON API answers it, and the page arithmetic of the HTML lists.

The class keeps the name ``Page``: the OpenAPI components are named after it and its
item model (``Page_ObjectiveRead_``), so moving it here changed no published schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, Self, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, rows: Iterable[Any], total: int, *, limit: int, offset: int) -> Self:
        """A page of a parametrised ``Page[ItemModel]`` from ORM rows (each validated
        into the item model from its attributes)."""
        args = cls.__pydantic_generic_metadata__["args"]
        if not args or not (isinstance(args[0], type) and issubclass(args[0], BaseModel)):
            raise TypeError("use a parametrised page, e.g. Page[ObjectiveRead].of(...)")
        item_model = args[0]
        return cls(
            items=[item_model.model_validate(row) for row in rows],
            total=total,
            limit=limit,
            offset=offset,
        )


def page_count(total: int, page_size: int) -> int:
    """How many pages ``total`` rows fill (at least one, so an empty list has page 1)."""
    return max(1, -(-total // page_size))


def page_offset(page: int, page_size: int) -> int:
    """The offset of a 1-based page number."""
    return (max(page, 1) - 1) * page_size
