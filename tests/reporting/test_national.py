"""The figures across partnerships for the operator: counts only, and every small number suppressed."""

from __future__ import annotations

import json
import re
from html import unescape

from cspr.accounts.users import create_user
from cspr.db import get_db
from cspr.partnerships import services as partnerships
from cspr.reporting.national import suppress
from tests.helpers import cspr
from tests.reporting.year_kit import YEAR, seed_in_app
from tests.web_kit import PASSWORD, Browser


def test_a_count_from_1_to_4_is_hidden_and_so_is_the_next_smallest_beside_it():
    assert suppress({"a": 12, "b": 0, "c": 7}) == ({"a": 12, "b": 0, "c": 7}, 19)
    # b alone hidden would be given back by the total (15 - 12): the next smallest is hidden with it
    assert suppress({"a": 12, "b": 3, "c": 7}) == ({"a": 12, "b": None, "c": None}, 22)
    # two small ones add up to under 5: a third is hidden, so the hidden ones cannot be worked out
    assert suppress({"a": 9, "b": 1, "c": 2, "d": 6}) == ({"a": 9, "b": None, "c": None, "d": None}, 18)
    # nothing else to hide: the total goes too
    assert suppress({"a": 3, "b": 0}) == ({"a": None, "b": 0}, None)
    assert suppress({"a": 0, "b": 0}) == ({"a": 0, "b": 0}, 0)


def test_the_operator_sees_counts_across_partnerships_with_small_numbers_suppressed(app, client):
    seed_in_app(app, "doncaster")  # 3 notifications, 2 in time; 4 rapid reviews; 3 themes
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        create_user(session, "ops@example.org", "Ops", PASSWORD, is_operator=True)
    ops = Browser(client)
    assert ops.sign_in("ops@example.org").status_code == 302
    page = ops.get(f"/operator/figures?year={YEAR}")
    assert page.status_code == 200
    text = unescape(page.get_data(as_text=True))
    assert "Yearly figures across partnerships" in text
    row = re.search(r'id="national-notifications-made">(.*?)</tr>', text, re.S).group(1)
    cells = [c.strip() for c in re.findall(r'numeric">(.*?)</td>', row, re.S)]
    heads = re.findall(r'header--numeric">([^<]+)<br>', text)
    by_name = dict(zip([*heads, "All"], cells, strict=True))
    # Doncaster's 3 is small, and so is the total (3); the others made none
    assert by_name == {"DSCP": "fewer than 5", "PSCP": "0", "SCASP": "0", "CYSCP": "0", "All": "fewer than 5"}
    for name in ("Child Alder", "Child Birch", "Review Alder", "Audit the referrals", "LA-Alder"):
        assert name not in text  # counts only: never a case
    wrong = ops.get("/operator/figures?year=nineteen")
    assert wrong.status_code == 200
    assert "Enter a reporting year from 2000 to 2100, like 2025" in wrong.get_data(as_text=True)


def test_members_of_a_partnership_cannot_read_the_figures_across_partnerships(app, client):
    from cspr.accounts.models import Role
    from tests.web_kit import signed_in

    admin = signed_in(app, client, "doncaster", Role.ADMIN)
    assert admin.get("/operator/figures").status_code == 403


def test_the_command_prints_the_counts_and_refuses_a_wrong_year(upgraded_env):
    listed = cspr("figures", "--year", "2025", "--json", env=upgraded_env)
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert data["small_numbers_suppressed_below"] == 5
    assert {p["slug"] for p in data["partnerships"]} == {"doncaster", "plymouth", "southampton", "york"}
    made = next(f for f in data["figures"] if f["key"] == "notifications.made")
    assert made["total"] == 0 and set(made["counts"].values()) == {0}
    wrong = cspr("figures", "--year", "1850", env=upgraded_env)
    assert wrong.returncode != 0
    assert "1850 is not in the range 2000<=x<=2100" in wrong.stderr
