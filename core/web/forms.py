"""Staff forms built from the domains' marshmallow schemas (``form_for``), drawn by govuk-frontend-wtf.

The schema is the one declaration of an input (see cspr.services.inputs). ``form_for`` makes a
FlaskForm whose fields are the schema's, each drawn as the GOV.UK component its metadata names;
validating the form checks the CSRF token and the boxes of each date, then runs ``schema.load``
and puts its messages on the fields (and so in the GOV.UK error summary). The loaded values are
``form.loaded``: the same dict the API's resource gets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import Any

from flask import g
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovFileInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from marshmallow import Schema, ValidationError
from marshmallow import fields as ma
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)

from cspr.services.errors import InputError

DATE_FORMAT = "%d %m %Y"


_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december")
_MONTHS = {n: i for i, name in enumerate(_MONTH_NAMES, start=1) for n in (name, name[:3])} | {"sept": 9}


def month_number(text: str) -> int:
    """The month a person typed: '3', '03', 'Mar', 'march' or 'Sept.' (as GOV.UK date inputs allow)."""
    cleaned = text.strip().rstrip(".").lower()
    if cleaned in _MONTHS:
        return _MONTHS[cleaned]
    return int(cleaned)


class GovDateField(DateField):
    """A GOV.UK date input (day, month, year) that says clearly what is wrong with the boxes."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, format=DATE_FORMAT, widget=GovDateInput(), **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        """Accept day, month and year; say clearly what is wrong."""
        if len(valuelist) != 3:  # a hand-made request: keep the widget's three boxes
            self.raw_data = (list(valuelist) + ["", "", ""])[:3]
            if any(v.strip() for v in valuelist):
                self.data = None
                raise ValueError(f"{self.label.text} must be a real date, for example 27 3 2026")
        if not valuelist or not any(v.strip() for v in valuelist):
            self.data = None
            return
        if len(valuelist) == 3 and not all(v.strip() for v in valuelist):
            missing = [n for n, v in zip(("day", "month", "year"), valuelist, strict=True) if not v.strip()]
            self.data = None
            raise ValueError(f"{self.label.text} must include a {' and '.join(missing)}")
        try:
            day, month, year = int(valuelist[0]), month_number(valuelist[1]), int(valuelist[2])
            self.data = dt.date(year, month, day)
        except (ValueError, TypeError):
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, for example 27 3 2026") from None
        if year < 1900:
            raise ValueError(f"{self.label.text} must have a four-digit year")


class GovPartialDateField(GovDateField):
    """A GOV.UK date input whose day may be left empty when only the month is known (approximate dates).

    Its data is the ISO text the API takes: 2025-03-14, or 2025-03 without a day.
    """

    def process_formdata(self, valuelist: list[str]) -> None:
        """Day, month and year, or month and year; say clearly what is wrong."""
        name = self.label.text
        values = (list(valuelist) + ["", "", ""])[:3]
        self.raw_data = values
        if len(valuelist) not in (0, 3) or not any(v.strip() for v in values):
            self.data = None
            if any(v.strip() for v in values):
                raise ValueError(f"{name} must be a real date, for example 27 3 2025")
            return
        day, month, year = (v.strip() for v in values)
        if not month or not year:
            missing = [n for n, v in (("month", month), ("year", year)) if not v]
            self.data = None
            raise ValueError(f"{name} must include a {' and '.join(missing)}")
        try:
            parts = dt.date(int(year), month_number(month), int(day) if day else 1)
        except (ValueError, TypeError):
            self.data = None
            raise ValueError(f"{name} must be a real date, for example 27 3 2025, or a month and year, "
                             "for example 3 2025") from None
        if parts.year < 1900 or len(year) != 4:
            self.data = None
            raise ValueError(f"{name} must have a four-digit year")
        self.data = f"{parts:%Y-%m}" + (f"-{parts:%d}" if day else "")


class GovPublicationDateField(GovDateField):
    """A GOV.UK date input for a date known as precisely as it is: the day, the month, or only the year.

    Its data is the ISO text the API takes: 2013-10-11, 2013-10 without a day, 2013 with the year alone.
    """

    def process_formdata(self, valuelist: list[str]) -> None:
        """Day, month and year; month and year; or the year; say clearly what is wrong."""
        name = self.label.text
        values = (list(valuelist) + ["", "", ""])[:3]
        self.raw_data = values
        day, month, year = (v.strip() for v in values)
        self.data = None
        if len(valuelist) not in (0, 3) or not any(values):
            if any(v.strip() for v in values):
                raise ValueError(f"{name} must be a real date, for example 11 10 2013, 10 2013 or 2013")
            return
        if not year:
            raise ValueError(f"{name} must include a year")
        if day and not month:
            raise ValueError(f"{name} must include a month when it has a day")
        try:
            parts = dt.date(int(year), int(month) if month else 1, int(day) if day else 1)
        except (ValueError, TypeError):
            raise ValueError(f"{name} must be a real date, for example 11 10 2013, or a month and year, "
                             "for example 10 2013, or only the year") from None
        if parts.year < 1900 or len(year) != 4:
            raise ValueError(f"{name} must have a four-digit year")
        self.data = f"{parts:%Y}" + (f"-{parts:%m}" if month else "") + (f"-{parts:%d}" if day else "")


_FIELDS: dict[str, Callable[..., Field]] = {
    "text": lambda **kw: StringField(widget=GovTextInput(), **kw),
    "email": lambda **kw: EmailField(widget=GovTextInput(), **kw),
    "password": lambda **kw: PasswordField(widget=GovPasswordInput(), **kw),
    "textarea": lambda **kw: TextAreaField(widget=GovTextArea(), **kw),
    "date": lambda **kw: GovDateField(**kw),
    "partial_date": lambda **kw: GovPartialDateField(**kw),
    "publication_date": lambda **kw: GovPublicationDateField(**kw),
    "radios": lambda **kw: RadioField(widget=GovRadioInput(), validate_choice=False, choices=[], **kw),
    "select": lambda **kw: SelectField(widget=GovSelect(), validate_choice=False, choices=[], **kw),
    "checkbox": lambda **kw: BooleanField(widget=GovCheckboxInput(), **kw),
    "checkboxes": lambda **kw: SelectMultipleField(widget=GovCheckboxesInput(), validate_choice=False,
                                                   choices=[], **kw),
    "file": lambda **kw: FileField(widget=GovFileInput(), **kw),
}
_CHOOSING = ("radios", "select", "checkboxes")


def _default(field: ma.Field) -> Any:
    value = field.load_default
    if value is None or callable(value) or value.__class__.__name__ == "_Missing":
        return None
    return getattr(value, "value", value)


def _static_choices(field: ma.Field) -> list[tuple[str, str]] | None:
    labels = field.metadata.get("choices")
    if callable(labels):
        return None  # the page's context gives them when the form is made
    inner = field.inner if isinstance(field, ma.List) else field
    if isinstance(inner, ma.Enum):
        labels = labels or {}
        return [(m.value, labels.get(m.value, m.value)) for m in inner.enum]
    if isinstance(labels, dict):
        return list(labels.items())
    return None


class SchemaForm(FlaskForm):
    """A form whose fields and rules are a marshmallow schema's (made by ``form_for``)."""

    schema: type[Schema]
    names: dict[str, str]  # form field name -> schema field name
    loaded: dict[str, Any]

    def __init__(self, *args: Any, context: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loaded = {}
        context = context if context is not None else g.get("ctx")
        for form_name, name in self.names.items():
            provider = self.schema._declared_fields[name].metadata.get("choices")
            if callable(provider) and context is not None:
                self[form_name].choices = provider(context)

    def omit(self, *names: str) -> None:
        """Leave out questions that do not apply to this record (they are neither shown nor read)."""
        for name in names:
            if name in self:
                del self[name]
        self.names = {k: v for k, v in self.names.items() if k not in names}

    def _input(self) -> tuple[dict[str, Any], set[str]]:
        """What the person entered, as the schema takes it; and the fields already in error."""
        data: dict[str, Any] = {}
        broken: set[str] = set()
        for form_name, name in self.names.items():
            field, declared = self[form_name], self.schema._declared_fields[name]
            if field.errors:
                broken.add(form_name)
                continue
            widget = declared.metadata["widget"]
            value = field.data
            if widget == "date":
                if value is not None:
                    data[name] = value.isoformat()
            elif widget in ("partial_date", "publication_date"):
                if value is not None:
                    data[name] = value
            elif widget == "textarea" and isinstance(declared, ma.List):
                # one item a line (a report's authors)
                data[name] = [line.strip() for line in (value or "").splitlines() if line.strip()]
            elif widget == "checkbox":
                data[name] = bool(value)
            elif widget == "checkboxes":
                if value:
                    data[name] = list(value)
            elif widget == "file":
                if value is not None and getattr(value, "filename", None):
                    data[name] = value
            elif isinstance(declared, ma.Integer) and isinstance(value, str) and value.strip():
                # a number typed in a box: the schema (strict, as the API's JSON is) takes it as one
                digits = value.strip()
                data[name] = int(digits) if len(digits) <= 12 and digits.isascii() and digits.isdigit() \
                    else value
            elif isinstance(value, str) and value.strip():
                data[name] = value
        return data, broken

    def _check_choices(self) -> None:
        for form_name, name in self.names.items():
            field, message = self[form_name], self.schema._declared_fields[name].metadata.get("choice_error")
            if message and field.data and not field.errors:
                values = field.data if isinstance(field.data, list) else [field.data]
                known = {str(value) for value, _label in field.choices or []}
                if any(str(v) not in known for v in values):
                    field.errors = [message]

    def validate(self, extra_validators: Any = None) -> bool:
        """The CSRF token and each date's boxes, the listed choices, then the schema's own rules."""
        super().validate(extra_validators)
        self._check_choices()
        data, broken = self._input()
        try:
            self.loaded = self.schema().load(data)
        except ValidationError as error:
            self.loaded = {}
            self.put_errors(_first_messages(error.messages), skip=broken)
        return not self.errors and not self.form_errors

    def put_errors(self, errors: dict[str, str], skip: Collection[str] = ()) -> None:
        """Put messages by schema (or service) field name on the form's fields; unknown ones on the form."""
        by_schema = {name: form_name for form_name, name in self.names.items()}
        for name, message in errors.items():
            form_name = by_schema.get(name, name)
            if form_name in skip:
                continue
            field = self._fields.get(form_name)
            if field is not None and form_name not in ("csrf_token", "submit"):
                field.errors = [*list(field.errors), message]
            else:
                self.form_errors.append(message)


def _first_messages(messages: Any) -> dict[str, str]:
    """marshmallow's messages ({name: [..]} or {name: {0: [..]}}) as one message per field."""
    def first(value: Any) -> str:
        if isinstance(value, dict):
            return first(next(iter(value.values())))
        if isinstance(value, list):
            return first(value[0])
        return str(value)
    if isinstance(messages, list):
        return {"_schema": first(messages)}
    return {name: first(value) for name, value in messages.items()}


def form_for(schema: type[Schema], *, submit: str = "Save and continue", csrf: bool = True,
             exclude: tuple[str, ...] = ()) -> type[SchemaForm]:
    """A FlaskForm class with a GOV.UK field for each of ``schema``'s fields, and a submit button."""
    attrs: dict[str, Any] = {"schema": schema, "names": {}, "__doc__": schema.__doc__}
    for name, declared in schema._declared_fields.items():
        meta = declared.metadata
        if name in exclude or "widget" not in meta:
            continue
        kwargs: dict[str, Any] = {"label": meta["label"], "description": meta.get("hint", "")}
        default = _default(declared)
        if default is not None:
            kwargs["default"] = default
        wtf_field = _FIELDS[meta["widget"]](**kwargs)
        if meta["widget"] in _CHOOSING:
            choices = _static_choices(declared)
            if choices is not None:
                wtf_field.kwargs["choices"] = choices
        form_name = meta.get("form_name", name)
        attrs[form_name] = wtf_field
        attrs["names"][form_name] = name
    attrs["submit"] = SubmitField(submit, widget=GovSubmitInput())
    if not csrf:
        attrs["Meta"] = type("Meta", (), {"csrf": False})
    return type(f"{schema.__name__}Form", (SchemaForm,), attrs)


class Nothing(Schema):
    """No fields: a form that is only a button (and the CSRF token)."""


ConfirmForm = form_for(Nothing, submit="Confirm")


def apply_errors(form: Any, error: InputError) -> None:
    """Put a service's field errors on the form's fields (unknown ones on the form)."""
    if isinstance(form, SchemaForm):
        form.put_errors(error.errors)
        return
    for name, message in error.errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors), message]
        else:
            form.form_errors.append(message)
