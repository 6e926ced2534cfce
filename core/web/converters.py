"""URL converters: a record id is a database integer, so a larger number is simply not found (404)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1  # PostgreSQL's integer; beyond it a query would fail, not miss


class IdConverter(IntegerConverter):
    """``<int:...>`` for ids: 0 to MAX_ID; any other number does not match the route."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_ID, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def id_schema(converter: IdConverter) -> dict[str, Any]:
    """The OpenAPI schema of an id path parameter."""
    return {"type": "integer", "minimum": converter.min or 0, "maximum": converter.max}


def install(app: Flask) -> None:
    """Make ``<int:...>`` the bounded id converter (before any route is added)."""
    app.url_map.converters["int"] = IdConverter
