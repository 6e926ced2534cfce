"""Sign-in under parallel requests: a code works once, and a burst of guesses locks the account.

The app is served by a threaded WSGI server on a free port; each request runs in its own
thread with its own database session on PostgreSQL, and the requests are released together.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pyotp
import pytest
import requests
from sqlalchemy import select

from cspr.accounts import two_factor
from cspr.accounts.models import Role, User
from cspr.audit.models import AuditEvent
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from tests.api_kit import TOTP_SECRET, make_member
from tests.figures import report
from tests.web_kit import PASSWORD, csrf_of

ADMIN = "admin@doncaster.example.org"
PARALLEL = 8
BURST = 16


def together(calls: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run the calls in parallel threads, released at the same moment."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], requests.Response]) -> requests.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def form_post(browser: requests.Session, url: str, page_url: str | None = None) -> Callable[..., requests.Response]:
    """Read the form's CSRF token now; answer a function that posts the form later."""
    token = csrf_of(browser.get(page_url or url).text)

    def post(**fields: str) -> requests.Response:
        return browser.post(url, data={"csrf_token": token, **fields}, allow_redirects=False, timeout=60)

    return post


def past_the_password(base: str) -> requests.Session:
    """A browser session that has passed the password step and waits for its second factor."""
    browser = requests.Session()
    answer = form_post(browser, base + "/sign-in")(email=ADMIN, password=PASSWORD)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/sign-in/two-factor"), answer.text
    return browser


def signed_in(answer: requests.Response) -> bool:
    """The second step let this browser in (it is sent on, not back to the sign-in page)."""
    return answer.status_code == 302 and "/sign-in" not in answer.headers["Location"]


def audit_actions(app) -> list[str]:
    from cspr.partnerships import services as partnerships

    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


@pytest.fixture
def admin(app):
    # Generous request limits: these tests are about what the database allows, not Flask-Limiter.
    app.config.update(RATELIMIT_SIGN_IN_EMAIL="100 per minute", RATELIMIT_SECOND_FACTOR="100 per minute")
    return make_member(app, "doncaster", Role.ADMIN)


def test_one_totp_code_signs_in_one_of_eight_parallel_sessions(app, live, admin):
    browsers = [past_the_password(live) for _ in range(PARALLEL)]
    posts = [form_post(b, live + "/sign-in/two-factor") for b in browsers]
    code = pyotp.TOTP(TOTP_SECRET).now()
    answers = together([lambda post=post: post(code=code) for post in posts])
    assert all(a.status_code in (302, 400) for a in answers), [a.status_code for a in answers]
    assert sum(signed_in(a) for a in answers) == 1, [(a.status_code, a.headers.get("Location")) for a in answers]
    reached = [b.get(live + "/app/doncaster/", allow_redirects=False).status_code for b in browsers]
    assert sorted(reached) == [200] + [302] * (PARALLEL - 1)
    assert audit_actions(app).count("sign_in.succeeded") == 1


def test_one_recovery_code_works_once_under_eight_parallel_uses(app, live, admin):
    with app.app_context(), get_db().session_scope() as session:
        user = session.scalar(select(User).where(User.email == ADMIN))
        code = two_factor.make_recovery_codes(session, user)[0]
    browsers = [past_the_password(live) for _ in range(PARALLEL)]
    posts = [form_post(b, live + "/sign-in/two-factor") for b in browsers]
    answers = together([lambda post=post: post(code=code) for post in posts])
    assert sum(signed_in(a) for a in answers) == 1, [(a.status_code, a.headers.get("Location")) for a in answers]
    actions = audit_actions(app)
    assert actions.count("two_factor.recovery_code_used") == 1 and actions.count("sign_in.succeeded") == 1
    with app.app_context(), get_db().session_scope() as session:
        user = session.scalar(select(User).where(User.email == ADMIN))
        assert two_factor.recovery_codes_left(session, user) == two_factor.RECOVERY_CODES - 1


def test_a_burst_of_wrong_passwords_locks_the_account_and_tests_no_more_than_the_threshold(
        app, live, admin, monkeypatch):
    from cspr.accounts.views import sign_in as auth

    compared: list[str] = []
    real_check = auth.check_password

    def counting_check(user: User, password: str) -> bool:
        compared.append(password)
        return real_check(user, password)

    monkeypatch.setattr(auth, "check_password", counting_check)
    browsers = [requests.Session() for _ in range(BURST)]
    posts = [form_post(b, live + "/sign-in") for b in browsers]
    answers = together([lambda post=post, n=n: post(email=ADMIN, password=f"wrong guess number {n}")
                        for n, post in enumerate(posts)])
    assert [a.status_code for a in answers] == [400] * BURST
    threshold = int(app.config["LOCKOUT_THRESHOLD"])
    assert len(compared) <= threshold, f"{len(compared)} of {BURST} guesses were compared with the real hash"
    report(f"sign-in races: {BURST} parallel wrong passwords, {len(compared)} compared with the hash "
           f"(lock-out threshold {threshold})")
    with app.app_context(), get_db().session_scope() as session:
        user = session.scalar(select(User).where(User.email == ADMIN))
        assert user.locked_until is not None and user.locked_until > datetime.now(UTC)
    actions = audit_actions(app)
    assert actions.count("account.locked") == 1 and actions.count("sign_in.failed") == BURST

    right = form_post(requests.Session(), live + "/sign-in")(email=ADMIN, password=PASSWORD)
    assert right.status_code == 400  # the right password, refused while the account is locked
    assert re.search(r"Enter a correct email address and password", right.text)
    assert len(compared) <= threshold  # and it was not even compared


def test_a_burst_of_codes_for_one_account_is_held_to_the_code_limit(app, live, monkeypatch):
    app.config.update(RATELIMIT_SIGN_IN_EMAIL="100 per minute", LOCKOUT_THRESHOLD=100)
    make_member(app, "doncaster", Role.ADMIN)
    checked: list[str] = []
    real_verify = two_factor.verify_totp

    def counting_verify(user: User, code: str, now: datetime) -> bool:
        checked.append(code)
        return real_verify(user, code, now)

    monkeypatch.setattr(two_factor, "verify_totp", counting_verify)
    browsers = [past_the_password(live) for _ in range(BURST)]
    posts = [form_post(b, live + "/sign-in/two-factor") for b in browsers]
    answers = together([lambda post=post, n=n: post(code=f"{n:06d}") for n, post in enumerate(posts)])
    limit = int(app.config["RATELIMIT_SECOND_FACTOR"].split()[0])
    assert sorted(a.status_code for a in answers) == [400] * limit + [429] * (BURST - limit)
    assert len(checked) <= limit, f"{len(checked)} of {BURST} codes were checked"
    report(f"sign-in races: {BURST} parallel codes for one account, {len(checked)} checked (limit {limit})")
