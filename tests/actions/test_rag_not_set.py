"""A new action has no RAG until someone sets one: "Not set", shown and counted as such, with the key."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

from cspr.accounts.models import Role
from cspr.actions.rag import RAG_KEY
from tests.actions.test_action_due_dates import SLUG, plan  # noqa: F401 (the fixture)
from tests.api_kit import Api
from tests.web_kit import signed_in

NOT_SET = 'govuk-tag--light-blue">Not set</strong>'


def dashboard_counts(html: str) -> dict[str, int]:
    found = re.findall(r'<strong class="govuk-tag [^"]+">([^<]+)</strong></dt><dd class="govuk-summary-list__value">'
                       r'(\d+)</dd>', html.split('id="rag"', 1)[1].split("</dl>", 1)[0])
    return {label: int(n) for label, n in found}


def test_a_new_action_is_not_set_until_someone_gives_it_a_status(app, client, plan):  # noqa: F811
    rec, rid, agency = plan
    admin = signed_in(app, client, SLUG, Role.ADMIN)
    api = Api(client, admin.member)
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    added = api.post(f"/recommendations/{rec}/actions", json={"description": "Joint training",
                                                             "owner_agency": agency, "due_on": due})
    assert added.status_code == 201 and added.get_json()["rag"] is None  # no colour chosen for anyone
    aid = added.get_json()["id"]

    page = unescape(admin.get(f"/app/{SLUG}/reviews/{rid}/plan").get_data(as_text=True))
    assert NOT_SET in page and "What the RAG statuses mean" in page
    counts = dashboard_counts(admin.get(f"/app/{SLUG}/").get_data(as_text=True))
    assert counts == {"Not set": 1, "Red": 0, "Amber": 0, "Green": 0, "Complete": 0}  # counted apart

    update = unescape(admin.get(f"/app/{SLUG}/actions/{aid}/update").get_data(as_text=True))
    for status in RAG_KEY:  # the key beside the question that sets it
        assert status.meaning in update, status.label

    assert api.patch(f"/actions/{aid}", json={"rag": "amber"}).get_json()["rag"] == "amber"
    page = unescape(admin.get(f"/app/{SLUG}/reviews/{rid}/plan").get_data(as_text=True))
    assert NOT_SET not in page.split("</details>", 1)[1] and 'govuk-tag--orange">Amber</strong>' in page
    counts = dashboard_counts(admin.get(f"/app/{SLUG}/").get_data(as_text=True))
    assert counts["Not set"] == 0 and counts["Amber"] == 1
