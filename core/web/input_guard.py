"""Input no database can hold: a NUL character anywhere in a request is refused before any view runs.

PostgreSQL cannot store or even compare text containing NUL, so such a value would fail
deep inside a query (a 500). It is never meaningful in this service's input: the API
answers 422 naming the field, a page answers 400.

A JSON body nested deeper than ``MAX_JSON_DEPTH`` is refused too (400): Python's parser
raises RecursionError on a few thousand brackets, which was a 500 on every route.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, jsonify, request

NUL = "\x00"
MAX_JSON_DEPTH = 32  # the API's bodies are 3 levels deep at most
TOO_DEEP = f"The JSON body is nested too deeply: at most {MAX_JSON_DEPTH} levels are accepted."


class _TooDeep(Exception):
    """The JSON body is nested deeper than MAX_JSON_DEPTH (or too deep to parse at all)."""


def _depth_ok(value: Any) -> bool:
    """True if ``value`` is nested no deeper than MAX_JSON_DEPTH (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                return False
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return True


def _json_body() -> Any:
    """The parsed JSON body (None if it is not valid JSON); _TooDeep if it is nested too deeply."""
    try:
        value = request.get_json(silent=True)
    except RecursionError as exc:
        raise _TooDeep from exc
    if not _depth_ok(value):
        raise _TooDeep
    return value


def _nul_paths(value: Any, path: str = "") -> list[str]:
    """Where NUL occurs in a JSON value (keys included), as dotted paths."""
    if isinstance(value, str):
        return [path or "_schema"] if NUL in value else []
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _nul_paths(item, f"{path}.{i}".lstrip("."))]
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            name = f"{path}.{key}".lstrip(".")
            found += [name] if NUL in str(key) else _nul_paths(item, name)
        return found
    return []


def _found() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    query = [k for k, v in request.args.items(multi=True) if NUL in k or NUL in v]
    if query:
        found["query"] = query
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = [k for k, v in request.form.items(multi=True) if NUL in k or NUL in v]
        if form:
            found["form"] = form
    elif request.is_json:
        body = _nul_paths(_json_body())
        if body:
            found["json"] = body
    return found


def init_input_guard(app: Flask) -> None:
    """Refuse NUL in query strings, forms and JSON bodies, before authentication and views."""
    from cspr.web.api import is_api_request

    @app.before_request
    def _refuse_nul() -> Any:
        try:
            found = _found()
        except _TooDeep:
            if is_api_request():
                return jsonify(code=400, status="Bad Request", message=TOO_DEEP,
                               errors={"json": [TOO_DEEP]}), 400
            abort(400, description=TOO_DEEP)
        if not found:
            return None
        if is_api_request():
            message = "must not contain the NUL character"
            return jsonify(code=422, status="Unprocessable Entity", message="Some values are not right.",
                           errors={where: {name: [message] for name in names}
                                   for where, names in found.items()}), 422
        abort(400, description="The form contains a character that cannot be saved (NUL). Remove it and "
                               "try again.")
