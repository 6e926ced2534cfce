"""The kit each domain's ``inputs.py`` declares its fields with: limits, messages, label, hint, widget.

A field is declared once, as a marshmallow field. The API loads it as it is; the staff forms are
built from it (``cspr.web.forms.form_for``), reading the presentation from the field's metadata:

- ``label``: the field's name on the page and in its messages ("Date of the incident");
- ``hint``: the line under the label;
- ``widget``: the GOV.UK component (see ``WIDGETS``);
- ``choices``: ``{value: label}``, or a function of the page's context giving ``[(value, label)]``;
- ``choice_error``: the message when a value is not among the choices (the form checks it);
- ``form_name``: the form field's name when it differs from the schema's (the upload is ``report``).

None of these keys is an OpenAPI property, so the API's document is unchanged by them.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError, fields, validate

from cspr.services.dates import label as date_label
from cspr.services.plain_text import SingleLine

#: The GOV.UK components a field can be shown as.
WIDGETS = ("text", "email", "password", "textarea", "date", "partial_date", "publication_date", "radios",
           "select", "checkbox", "checkboxes", "file")
MAX_ID = 2**31 - 1  # ids are database integers
TEXT_MAX = 10_000  # a text area's limit (its column is TEXT)
# What the OpenAPI document declares beyond these fields' own validators (the services check them):
# text that must not be blank once trimmed, and values from the partnership's own lists, which its
# document at /api/v1/<slug>/openapi.json gives as enums (see cspr.web.api.document).
NOT_BLANK = {"x-cspr-not-blank": True}  # cspr.web.api.document turns it into a pattern


def the(label: str) -> str:
    """'Date of the incident' -> 'the date of the incident' (for "Enter ..." messages)."""
    text = label[0].lower() + label[1:]
    return text if text.startswith(("the ", "a ", "an ", "your ", "their ")) else f"the {text}"


def enum(cls: type, **kw: Any) -> fields.Enum:
    """An enum field by value (outputs and filters)."""
    return fields.Enum(cls, by_value=True, **kw)


def one_of(values: str) -> dict[str, str]:
    """Metadata: the value is one of the partnership's ``values`` (areas, agencies, partners, kinds...)."""
    return {"x-cspr-one-of": values}


def each_once(values: list) -> None:
    """A list that names each value once (as its document declares: ``uniqueItems``)."""
    if len(set(values)) != len(values):
        raise ValidationError("Name each one once.")


def _meta(label: str, widget: str, hint: str | None, extra: dict[str, Any] | None) -> dict[str, Any]:
    assert widget in WIDGETS, widget
    meta: dict[str, Any] = {"label": label, "widget": widget}
    if hint:
        meta["hint"] = hint
    return meta | (extra or {})


def _presence(label: str, required: bool, verb: str, message: str | None, kw: dict[str, Any]) -> dict:
    """``required`` with its GOV.UK message, or a ``load_default`` of None."""
    if required:
        return {"required": True, "error_messages": {"required": message or f"{verb} {the(label)}",
                                                     "null": message or f"{verb} {the(label)}"}}
    kw.setdefault("load_default", None)
    return {}


class JsonBoolean(fields.Boolean):
    """A body's boolean: ``true`` or ``false``, as the document says (not 1, 0 or "yes")."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN003, ANN202
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def text(label: str, *, max_length: int = 200, required: bool = True, min_length: int | None = None,
         single_line: bool = True, hint: str | None = None, message: str | None = None,
         widget: str = "text", meta: dict[str, Any] | None = None, **kw: Any) -> fields.String:
    """A line of text (or, with ``single_line=False``, a text area) with its limit and messages."""
    rules: list[validate.Validator] = []
    if min_length is None:
        min_length = 1 if required else 0
    if min_length:
        rules.append(validate.Length(min=min_length, error=(
            message or f"Enter {the(label)}") if min_length == 1 else
            f"{label} must be {min_length} characters or more"))
    rules.append(validate.Length(max=max_length, error=f"{label} must be {max_length:,} characters or fewer"))
    if single_line:
        rules.append(SingleLine(label))
    presence = _presence(label, required, "Enter", message, kw)
    return fields.String(validate=rules, metadata=_meta(label, widget, hint, meta), **presence, **kw)


def area(label: str, *, max_length: int = TEXT_MAX, required: bool = False, **kw: Any) -> fields.String:
    """Text on several lines (a GOV.UK textarea)."""
    return text(label, max_length=max_length, required=required, single_line=False, widget="textarea", **kw)


def email(label: str, *, required: bool = True, hint: str | None = None, message: str | None = None,
          **kw: Any) -> fields.Email:
    """An email address (checked for its format)."""
    presence = _presence(label, required, "Enter", message, kw)
    return fields.Email(
        validate=[validate.Length(max=254, error=f"{label} must be 254 characters or fewer")],
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.org",
                        **presence.pop("error_messages", {})},
        metadata=_meta(label, "email", hint, None), **presence, **kw)


def password(label: str, *, required: bool = True, min_length: int = 0, max_length: int = 256,
             message: str | None = None, hint: str | None = None, **kw: Any) -> fields.String:
    """A password (never echoed back)."""
    rules: list[validate.Validator] = []
    if min_length:
        rules.append(validate.Length(min=min_length,
                                     error=f"Your password must be at least {min_length} characters long"))
    rules.append(validate.Length(max=max_length,
                                 error=f"Your password must be {max_length} characters or fewer"))
    presence = _presence(label, required, "Enter", message, kw)
    return fields.String(validate=rules, metadata=_meta(label, "password", hint, None), **presence, **kw)


def date(fact_or_label: str, *, required: bool = True, hint: str | None = None, message: str | None = None,
         meta: dict[str, Any] | None = None, **kw: Any) -> fields.Date:
    """A date, named by the date rule of ``fact`` (cspr.services.dates) or by a label of its own."""
    try:
        label = date_label(fact_or_label)
    except KeyError:
        label = fact_or_label
    presence = _presence(label, required, "Enter", message, kw)
    messages = {"invalid": f"{label} must be a real date, for example 2026-03-27",
                **presence.pop("error_messages", {})}
    return fields.Date(error_messages=messages, metadata=_meta(label, "date", hint, meta), **presence, **kw)


def choice(enum_cls: type | None, label: str, *, labels: dict[str, str] | Callable | None = None,
           required: bool = True, message: str | None = None, widget: str = "radios",
           hint: str | None = None, meta: dict[str, Any] | None = None, **kw: Any) -> fields.Field:
    """One of an enum's values (radios or a select); without an enum, one of the partnership's values."""
    presence = _presence(label, required, "Select", message, kw)
    extra = {"choices": labels} if labels is not None else {}
    metadata = _meta(label, widget, hint, extra | (meta or {}))
    if enum_cls is None:
        return fields.String(metadata=metadata, **presence, **kw)
    return fields.Enum(enum_cls, by_value=True, metadata=metadata, **presence, **kw)


def flag(label: str, *, hint: str | None = None, **kw: Any) -> JsonBoolean:
    """A yes-or-no box to tick (``false`` when left out)."""
    kw.setdefault("load_default", False)
    return JsonBoolean(metadata=_meta(label, "checkbox", hint, None), **kw)


def many(label: str, *, item: fields.Field | None = None, required: bool = False,
         message: str | None = None, hint: str | None = None, meta: dict[str, Any] | None = None,
         **kw: Any) -> fields.List:
    """Several values to tick (GOV.UK checkboxes)."""
    presence = _presence(label, required, "Select", message, kw)
    if not required:
        kw["load_default"] = list
    return fields.List(item or fields.String(), metadata=_meta(label, "checkboxes", hint, meta),
                       **presence, **kw)


@dataclass(frozen=True)
class Upload:
    """A file as loaded: its bytes and the name it came with."""

    content: bytes
    filename: str

    def __len__(self) -> int:
        """Its size in bytes (what the field's length limit counts)."""
        return len(self.content)


class UploadField(fields.String):
    """A file: in JSON, base64 text; on a page, the uploaded file. Either loads as an ``Upload``."""

    default_error_messages = {"invalid": "The file must be encoded as base64"}

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN003, ANN202
        if hasattr(value, "read") and hasattr(value, "filename"):  # werkzeug's FileStorage
            return Upload(value.read(), value.filename or "upload")
        text_value = super()._deserialize(value, attr, data, **kwargs)
        try:
            return Upload(base64.b64decode(text_value, validate=True), "")
        except (binascii.Error, ValueError):
            raise self.make_error("invalid") from None


def upload(label: str, *, max_length: int, hint: str | None = None, invalid: str | None = None,
           meta: dict[str, Any] | None = None, **kw: Any) -> UploadField:
    """An optional file upload."""
    kw.setdefault("load_default", None)
    messages = {"invalid": invalid} if invalid else {}
    return UploadField(validate=validate.Length(max=max_length, error=f"{label} is too big"),
                       error_messages=messages, metadata=_meta(label, "file", hint, meta), **kw)


def reason(label: str = "Reason for the correction", *, hint: str | None = None) -> fields.String:
    """Why a record is corrected (audited): 3 to 500 characters."""
    return area(label, required=True, min_length=3, max_length=500, hint=hint,
                meta={"description": "Why the record is corrected (audited)."})
