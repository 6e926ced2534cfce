"""A schemathesis check of our own: a 422 to valid data may name only the rules no schema can state.

The document declares every rule it can (lengths, enums of the partnership's own values, no NUL,
no blank text, page bounds). What it cannot say in OpenAPI 3.0 is checked by the services: a
date against today, against another date of the request or against the stored record, whether
an account is a reviewer here, whether the report is a readable PDF, what a combination of
fields requires. So ``tests/schemathesis.toml`` lets ``positive_data_acceptance`` take a 422, and
this check fails that 422 unless every field it names is one of those rules. Loaded by
``tests/web/test_fuzz.py``, and by the CLI with ``SCHEMATHESIS_HOOKS=tests.fuzz_checks``.
"""

from __future__ import annotations

import json

import schemathesis
from schemathesis import CheckContext, Response
from schemathesis.generation.case import Case

# Fields whose refusal depends on more than the value: the rule, in words.
UNDECLARABLE = {
    "age_band": "a care leaver is 18 to 24 (depends on care_leaver)",
    "care_leaver": "the 18 to 24 band is for care leavers (depends on age_band)",
    "statuses": "the 18 to 24 band is for care leavers; a child is not both looked after and a care leaver "
                "(depends on age_band)",
    "evidence": "a complete action needs evidence (depends on rag and the stored action)",
    "publication_note": "a summary or redacted publication says why (depends on publication_form)",
    "report": "a full publication needs the report (depends on publication_form)",
    "report_pdf": "the report must be a readable PDF",
    "reviewer_user_id": "the account must be a reviewer of this partnership",
    "identifying_terms": "Nothing was published",  # the terms were found in the report or summary
    "delay_reason": "a planned date after the publication target needs a reason (depends on the "
                    "stored decision date)",
    "delay_detail": "'other' needs the details (depends on delay_reason)",
    "description": "Enter what the proceedings are",  # other proceedings say what they are (on kind)
    "file": "the chronology spreadsheet must be a readable template whose every row is right",
}
#: Fields named by other schemas too: undeclarable only with the rule's own message.
BY_MESSAGE = {"identifying_terms", "description"}


def _undeclarable(field: str, message: str) -> bool:
    if field.endswith("_on"):  # dates: not in the future, in order with the others and the record
        return True
    if field.startswith("rows."):  # a chronology spreadsheet's cell (rows.<n>.<column>), read from the file
        return True
    rule = UNDECLARABLE.get(field)
    return rule is not None and (field not in BY_MESSAGE or message.startswith(rule))


@schemathesis.check
def valid_data_is_refused_only_by_undeclarable_rules(ctx: CheckContext, response: Response,
                                                     case: Case) -> bool | None:
    """A 422 to data the document calls valid names only rules that no OpenAPI schema can state."""
    if response.status_code != 422 or case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    try:
        errors = json.loads(response.text).get("errors", {})
    except ValueError:
        errors = {}
    declarable = {f"{where}.{field}": str(message) for where, fields in errors.items() if isinstance(fields, dict)
                  for field, message in fields.items()
                  if where != "json" or not _undeclarable(field, str(message))}
    if declarable or not errors:
        raise AssertionError(f"Valid data refused by a rule the document could declare: {declarable or errors}")
    return None
