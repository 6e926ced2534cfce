"""No database connection to be had: pages and the API answer 503 with Retry-After, never 500."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections import Counter

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cspr import create_app
from cspr.accounts.models import Role
from cspr.db import get_db
from tests.api_kit import make_member
from tests.conftest import PG_ADMIN_URL, REDIS_URL

pytestmark = pytest.mark.commits  # the pool's own connections are the subject; requests run in parallel


def small_pool_app(database_url: str, tmp_path, **pool):
    settings = {"DATABASE_URL": database_url, "BROKER_URL": REDIS_URL, "TESTING": True,
                "INSTANCE_PATH": str(tmp_path / "small-pool"), "RATELIMIT_ENABLED": False,
                "DATABASE_POOL_SIZE": 1, "DATABASE_MAX_OVERFLOW": 0, "DATABASE_POOL_TIMEOUT": 0.3}
    settings.update(pool)
    return create_app(settings)


@pytest.fixture
def busy(app, tmp_path):
    """An app whose pool is one connection, a member's API token, and that connection held."""
    member = make_member(app, "doncaster", Role.ADMIN)
    small = small_pool_app(app.config["DATABASE_URL"], tmp_path)
    engine = get_db(small).engine
    assert (engine.pool.size(), engine.pool._max_overflow, engine.pool._timeout) == (1, 0, 0.3)
    held = engine.connect()  # another request has the only connection
    try:
        yield small, member
    finally:
        held.close()
        engine.dispose()


def test_a_page_with_no_connection_to_be_had_is_a_503_page_with_retry_after(busy):
    small, _member = busy
    response = small.test_client().get("/doncaster/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    html = response.get_data(as_text=True)
    assert "Sorry, the service is busy" in html and "Wait 5 seconds, then try again." in html
    assert "govuk-heading-l" in html  # the service's own page, not a bare error


def test_the_api_with_no_connection_to_be_had_is_a_503_in_json_with_retry_after(busy):
    small, member = busy
    response = small.test_client().get("/api/v1/doncaster/incidents",
                                       headers={"Authorization": f"Bearer {member.token}"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    body = response.get_json()
    assert body["code"] == 503 and "busy" in body["message"] and "Nothing was saved" in body["message"]


def test_the_503_is_documented_on_every_api_operation(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operations = [op for path in document["paths"].values() for op in path.values()
                  if isinstance(op, dict) and "responses" in op]
    assert operations and all("503" in op["responses"] for op in operations)


def test_the_server_refusing_more_connections_is_a_503_too(app, pg_url, tmp_path):
    """PostgreSQL's own limit (SQLSTATE 53300), here a role allowed no connections at all."""
    member = make_member(app, "doncaster", Role.ADMIN)
    role = f"cspr_full_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS CONNECTION LIMIT 0"))
    try:
        full = small_pool_app(make_url(pg_url).set(username=role).render_as_string(hide_password=False),
                              tmp_path)
        page = full.test_client().get("/doncaster/")
        api = full.test_client().get("/api/v1/doncaster/incidents",
                                     headers={"Authorization": f"Bearer {member.token}"})
        get_db(full).engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert api.status_code == 503 and api.get_json()["code"] == 503


def test_parallel_requests_beyond_the_pool_get_200_or_503_never_500(app, tmp_path):
    member = make_member(app, "doncaster", Role.ADMIN)
    small = small_pool_app(app.config["DATABASE_URL"], tmp_path, DATABASE_POOL_TIMEOUT=0.05,
                           DATABASE_RETRY_AFTER=2)
    answers: list[tuple[int, str | None]] = []
    start = threading.Barrier(12)

    def caller() -> None:
        client = small.test_client()
        start.wait()
        for _ in range(6):
            response = client.get("/api/v1/doncaster/incidents",
                                  headers={"Authorization": f"Bearer {member.token}"})
            answers.append((response.status_code, response.headers.get("Retry-After")))

    threads = [threading.Thread(target=caller) for _ in range(12)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        get_db(small).engine.dispose()
    statuses = Counter(status for status, _ in answers)
    assert len(answers) == 72 and set(statuses) <= {200, 503}, statuses
    assert statuses[200] > 0 and statuses[503] > 0, statuses
    assert all(retry == "2" for status, retry in answers if status == 503)


def test_a_bad_pool_setting_stops_the_command_and_names_the_setting(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSPR_")}
    env.update(CSPR_INSTANCE_PATH=str(tmp_path / "instance"), CSPR_DATABASE_POOL_SIZE="0")
    done = subprocess.run([sys.executable, "-m", "cspr", "plugins"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1
    assert "CSPR_DATABASE_POOL_SIZE must be a whole number, at least 1, not 0" in done.stderr
    env.update(CSPR_DATABASE_POOL_SIZE="5", CSPR_DATABASE_POOL_TIMEOUT="soon")
    done = subprocess.run([sys.executable, "-m", "cspr", "plugins"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and "CSPR_DATABASE_POOL_TIMEOUT" in done.stderr
