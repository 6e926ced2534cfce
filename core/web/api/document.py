"""The OpenAPI document's rules beyond the marshmallow schemas, and each partnership's own document.

The shared document (``/api/v1/openapi.json``) declares what holds for every partnership: no
NUL in any text (the input guard refuses it everywhere), page numbers up to ``MAX_PAGE``, and
``X-Pagination`` as the JSON it is. A field marked ``x-cspr-one-of`` takes one of the
partnership's own values (its areas, agencies, partners, themes, review kinds): the shared
document says so in words, and the partnership's document (``/api/v1/<slug>/openapi.json``)
lists them as an ``enum``, under that partnership's own URLs (no ``{slug}`` to choose).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask, abort, jsonify
from flask_smorest import Api

from cspr.cases.models import RapidReviewDecision
from cspr.plugins import Policy

NO_NUL = r"^[^\x00]*$"  # what cspr.web.input_guard refuses, in every request text
# cspr.services.plain_text's single-line rule: no control characters (line breaks among them), no characters
# that turn the text's direction, no markup; the NUL of every text; and "not blank" when trimmed.
NUL = "\\x00"
SINGLE_LINE_EXCLUDED = (NUL + "-\\x1f\\x7f-\\x9f"  # control characters (Cc), line breaks among them
                        "\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069\\u200e\\u200f\\u061c")
NO_MARKUP = "(?![\\s\\S]*<\\s*[/!?]?\\s*[A-Za-z])"
SINGLE_LINE = "x-cspr-single-line"
NOT_BLANK = "x-cspr-not-blank"
ONE_OF = "x-cspr-one-of"
ALL_OF = "x-cspr-all-of"
IN_WORDS = {
    "areas": "one of the partnership's local authority areas",
    "agencies": "the key of one of the partnership's agencies (safeguarding partners and relevant agencies)",
    "partners": "the key of one of the partnership's safeguarding partners",
    "themes": "one of the partnership's learning themes",
    "startable_kinds": "a kind of review the partnership holds that can be started here",
    "review_kinds": "a kind of review the partnership holds",
    "decisions": "a decision whose review (if it starts one) is of a kind the partnership holds",
}
SEE_OWN = " Its document, /api/v1/{slug}/openapi.json, lists them; another value is refused (422)."


def text_pattern(*, single_line: bool, not_blank: bool) -> str:
    """The pattern of a text field: no NUL; a single line's rule; at least one character not a space."""
    excluded = SINGLE_LINE_EXCLUDED if single_line else NUL
    body = f"[^{excluded}]*[^\\s{excluded}][^{excluded}]*" if not_blank else f"[^{excluded}]*"
    return "^" + (NO_MARKUP if single_line else "") + body + "$"


def single_line_field(self: Any, field: Any, **kwargs: Any) -> dict[str, Any]:
    """apispec attribute function: mark a field validated by cspr.services.plain_text.SingleLine."""
    from cspr.services.plain_text import SingleLine

    return {SINGLE_LINE: True} if any(isinstance(v, SingleLine) for v in field.validators) else {}


def _schemas(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema object under ``node`` (properties, items, parameters, request bodies)."""
    if isinstance(node, dict):
        if "type" in node or "enum" in node or ONE_OF in node:
            yield node
        for value in node.values():
            yield from _schemas(value)
    elif isinstance(node, list):
        for item in node:
            yield from _schemas(item)


def _request_parts(spec: dict[str, Any]) -> Iterator[Any]:
    """The parts of the document that describe requests: parameters and the input schemas."""
    for item in spec.get("paths", {}).values():
        yield item.get("parameters", [])
        for method, op in item.items():
            if method != "parameters":
                yield op.get("parameters", [])
                yield op.get("requestBody", {})
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Out") and name not in ("Error", "PaginationMetadata"):
            yield schema


def declare(spec: dict[str, Any], max_page: int) -> dict[str, Any]:
    """The shared document with the rules every partnership has (changes ``spec`` in place)."""
    for part in _request_parts(spec):
        for schema in _schemas(part):
            if schema.get("type") == "string" and not ({"pattern", "enum", "format"} & set(schema)):
                schema["pattern"] = text_pattern(single_line=bool(schema.get(SINGLE_LINE)),
                                                 not_blank=bool(schema.get(NOT_BLANK)))
            if ONE_OF in schema:
                words = IN_WORDS[schema[ONE_OF]]
                schema["description"] = (schema.get("description", "") + f" The value is {words}.").strip()
                schema["description"] += SEE_OWN
    for item in spec.get("paths", {}).values():
        for method, op in item.items():
            for parameter in op.get("parameters", []) if method != "parameters" else []:
                if parameter["in"] == "query" and parameter["name"] == "page":
                    parameter["schema"]["maximum"] = max_page
    schemas = spec.get("components", {}).get("schemas", {})
    for item in spec.get("paths", {}).values():
        for method, op in item.items():
            body = op.get("requestBody") if method != "parameters" else None
            media = (body or {}).get("content", {}).get("application/json", {})
            ref = media.get("schema", {}).get("$ref", "")
            if ref and not schemas.get(ref.rsplit("/", 1)[-1], {}).get("required"):
                body["required"] = False  # nothing in it is required: no body is an empty one
    header = spec.get("components", {}).get("headers", {}).get("PAGINATION")
    if header and "schema" in header:
        # The header's value is JSON, not OpenAPI's "simple" style: say so with a media type.
        header["content"] = {"application/json": {"schema": header.pop("schema")}}
    return spec


def values_of(policy: Policy) -> dict[str, list[str]]:
    """The partnership's own values, by the names fields use in ``x-cspr-one-of``."""
    from cspr.cases.rapid_reviews import STARTS
    from cspr.reviews.services import STARTABLE

    return {
        "areas": list(policy.identity["areas"]),
        "agencies": [a["key"] for a in policy.agencies],
        "partners": [a["key"] for a in policy.partners["safeguarding_partners"]],
        "themes": list(policy.themes),
        "startable_kinds": [k.value for k in STARTABLE if k.value in policy.review_kinds],
        "review_kinds": list(policy.review_kinds),
        "decisions": [d.value for d in RapidReviewDecision
                      if d not in STARTS or STARTS[d].value in policy.review_kinds],
    }


def for_partnership(shared: dict[str, Any], slug: str, policy: Policy) -> dict[str, Any]:
    """One partnership's document: the shared one with its values as enums and ``slug`` fixed."""
    spec = copy.deepcopy(shared)
    values = values_of(policy)
    spec["info"]["title"] = f"{spec['info']['title']}: {policy.name}"
    for schema in _schemas(spec):
        if ONE_OF in schema:
            schema["enum"] = values[schema[ONE_OF]]
            schema.pop("pattern", None)
            schema["description"] = schema["description"].replace(SEE_OWN, "")
        if ALL_OF in schema:
            schema["minItems"] = schema["maxItems"] = len(values[schema[ALL_OF]])
    # Its own URLs: /api/v1/doncaster/incidents, with no slug to choose.
    spec["paths"] = {path.replace("{slug}", slug): item for path, item in spec.get("paths", {}).items()}
    for item in spec["paths"].values():
        item["parameters"] = [p for p in item.get("parameters", []) if p["name"] != "slug"]
        if not item["parameters"]:
            del item["parameters"]
    return spec


def init_converter(api: Api) -> None:
    """Before the blueprints are registered: fields with the single-line rule say so in the document."""
    api.ma_plugin.converter.add_attribute_function(single_line_field)


def init_documents(app: Flask, api: Api, max_page: int) -> None:
    """Declare the shared rules in the document; serve each partnership's at /api/v1/<slug>/openapi.json."""
    build: Callable[[], dict[str, Any]] = api.spec.to_dict
    # Every reader of the document (its URL, the isolation probe, the fuzzer) gets the rules.
    api.spec.to_dict = lambda: declare(copy.deepcopy(build()), max_page)

    def partnership_document(slug: str):  # noqa: ANN202
        from cspr.plugins import get_registry

        registry = get_registry()
        if slug not in registry.policies:
            abort(404, description=f"There is no partnership '{slug}'.")
        return jsonify(for_partnership(api.spec.to_dict(), slug, registry.policy(slug)))

    app.add_url_rule("/api/v1/<slug>/openapi.json", endpoint="api_partnership_document",
                     view_func=partnership_document, methods=["GET"])
