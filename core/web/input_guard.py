r"""Input no database can hold: a NUL character anywhere in a request is refused before any view runs.

PostgreSQL cannot store or even compare text containing NUL, so such a value would fail
deep inside a query (a 500). It is never meaningful in this service's input: the API
answers 422 naming the field, a page answers 400.

A JSON body nested deeper than ``MAX_JSON_DEPTH``, or one Python's parser cannot read for
reasons other than bad syntax (a number of more than 4,300 digits, bytes that are not UTF-8),
is refused too (400): these were 500s on every route. So is a lone surrogate (``"\ud800"``) in
a JSON string, which no database can store as UTF-8 (the API answers 422 naming the field).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, jsonify, request

NUL = "\x00"
MAX_JSON_DEPTH = 32  # the API's bodies are 3 levels deep at most
TOO_DEEP = f"The JSON body is nested too deeply: at most {MAX_JSON_DEPTH} levels are accepted."
UNREADABLE = ("The JSON body cannot be read: a number has more than 4,300 digits, or the text is not "
              "UTF-8.")
LONE_SURROGATE = "must not contain a lone surrogate (\\ud800 to \\udfff)"
SURROGATE = re.compile("[\ud800-\udfff]")


class _Unreadable(Exception):
    """The JSON body is nested too deeply, or cannot be parsed for a reason other than its syntax."""


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
    """The parsed JSON body; None if its syntax is wrong (the API's parser answers that with a 400)."""
    try:
        value = json.loads(request.get_data(cache=True) or b"null")
    except RecursionError as exc:
        raise _Unreadable(TOO_DEEP) from exc
    except json.JSONDecodeError:
        return None
    except ValueError as exc:  # too many digits for an int, bytes that are not UTF-8
        raise _Unreadable(UNREADABLE) from exc
    if not _depth_ok(value):
        raise _Unreadable(TOO_DEEP)
    return value


def _has_nul(text: str) -> bool:
    return NUL in text


def _has_surrogate(text: str) -> bool:
    return SURROGATE.search(text) is not None


def _nul_paths(value: Any, path: str = "", bad: Callable[[str], bool] = _has_nul) -> list[str]:
    """Where NUL (or what ``bad`` finds) occurs in a JSON value (keys included), as dotted paths."""
    if isinstance(value, str):
        return [path or "_schema"] if bad(value) else []
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _nul_paths(item, f"{path}.{i}".lstrip("."), bad)]
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            name = f"{path}.{key}".lstrip(".")
            found += [name] if bad(str(key)) else _nul_paths(item, name, bad)
        return found
    return []


def _found(surrogates: dict[str, list[str]]) -> dict[str, list[str]]:
    """Where NUL occurs; lone surrogates in the JSON body go into ``surrogates``."""
    found: dict[str, list[str]] = {}
    query = [k for k, v in request.args.items(multi=True) if NUL in k or NUL in v]
    if query:
        found["query"] = query
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = [k for k, v in request.form.items(multi=True) if NUL in k or NUL in v]
        if form:
            found["form"] = form
    elif request.is_json:
        value = _json_body()
        body = _nul_paths(value)
        if body:
            found["json"] = body
        lone = [p for p in _nul_paths(value, bad=_has_surrogate) if p not in body]
        if lone:
            surrogates["json"] = lone
    return found


def init_input_guard(app: Flask) -> None:
    """Refuse NUL in query strings, forms and JSON bodies, before authentication and views."""
    from cspr.web.api import is_api_request

    @app.before_request
    def _refuse_nul() -> Any:
        surrogates: dict[str, list[str]] = {}
        try:
            found = _found(surrogates)
        except _Unreadable as exc:
            if is_api_request():
                return jsonify(code=400, status="Bad Request", message=str(exc),
                               errors={"json": [str(exc)]}), 400
            abort(400, description=str(exc))
        if not found and not surrogates:
            return None
        if is_api_request():
            errors: dict[str, dict[str, list[str]]] = {}
            for where, names in found.items():
                for name in names:
                    errors.setdefault(where, {})[name] = ["must not contain the NUL character"]
            for where, names in surrogates.items():
                for name in names:
                    errors.setdefault(where, {})[name] = [LONE_SURROGATE]
            return jsonify(code=422, status="Unprocessable Entity", message="Some values are not right.",
                           errors=errors), 422
        if not found:
            abort(400, description="The request contains a character that cannot be saved (a lone "
                                   "surrogate). Remove it and try again.")
        abort(400, description="The form contains a character that cannot be saved (NUL). Remove it and "
                               "try again.")
