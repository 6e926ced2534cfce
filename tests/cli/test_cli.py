"""The ``cspr`` command as ops and admins use it: database, plugins, demo data, users."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from cspr.accounts.models import Membership, User
from cspr.db.tenancy import across_partnerships
from cspr.partnerships.models import Partnership
from cspr.reviews.models import Review
from tests.conftest import truncate_all
from tests.helpers import cspr, embedded_env

pytestmark = pytest.mark.slow


def test_plugins_lists_the_four_partnerships_with_version_and_hooks(tmp_path):
    result = cspr("plugins", env=embedded_env(tmp_path))
    assert result.returncode == 0, result.stderr
    for slug in ("doncaster", "plymouth", "southampton", "york"):
        assert f"partnership={slug}" in result.stdout
    assert "hooks: " in result.stdout and "cspr_partnership" in result.stdout
    listed = json.loads(cspr("plugins", "--json", env=embedded_env(tmp_path)).stdout)
    assert {p["name"]: p["status"] for p in listed} == {
        "doncaster": "loaded", "plymouth": "loaded", "southampton": "loaded", "york": "loaded"}
    assert all(p["version"] for p in listed)


def test_plugins_check_passes_when_all_load(tmp_path):
    ok = cspr("plugins", "check", env=embedded_env(tmp_path))
    assert ok.returncode == 0 and ok.stdout.count("ok ") == 4


def test_db_upgrade_demo_and_users_on_postgresql(pg_url, tmp_path):
    env = embedded_env(tmp_path, CSPR_DATABASE_URL=pg_url)
    try:
        up = cspr("db", "upgrade", env=env)
        assert up.returncode == 0, up.stderr
        assert "4 partnerships registered" in up.stdout
        first = cspr("demo", env=env)
        assert first.returncode == 0, first.stderr
        assert "southampton: 6 reviews" in first.stdout
        again = cspr("demo", env=env)
        assert "0 reviews, 0 briefings added" in again.stdout  # idempotent

        made = cspr("users", "create", "--email", "Lead@Doncaster.example.org", "--name", "Lead",
                    "--partnership", "doncaster:admin", "--partnership", "york:viewer",
                    "--password", "a long enough passphrase", env=env)
        assert made.returncode == 0, made.stderr
        engine = create_engine(pg_url)
        with Session(engine) as session:
            user = session.scalar(select(User).where(User.email == "lead@doncaster.example.org"))
            assert user.password_hash.startswith("$argon2id$")
            with across_partnerships(session, "test"):
                roles = session.execute(
                    select(Partnership.slug, Membership.role).join(Membership.partnership)
                    .where(Membership.user_id == user.id).order_by(Partnership.slug)).all()
                assert [(s, r.value) for s, r in roles] == [("doncaster", "admin"),
                                                            ("york", "viewer")]
                assert session.scalar(select(func.count()).select_from(Review)) > 10
        engine.dispose()
    finally:
        truncate_all(pg_url)


@pytest.mark.parametrize("args, message", [
    (["--email", "not-an-address", "--name", "X", "--partnership", "york:admin"],
     "is not an e-mail address"),
    (["--email", "a@b.example", "--name", "X", "--partnership", "atlantis:admin"],
     "no partnership 'atlantis'"),
    (["--email", "a@b.example", "--name", "X", "--partnership", "york:king"], "unknown role 'king'"),
    (["--email", "a@b.example", "--name", "X"], "give at least one --partnership"),
])
def test_users_create_refuses_bad_input_with_a_reason(tmp_path, args, message, upgraded_env):
    env = upgraded_env  # as `cspr db upgrade` leaves it
    result = cspr("users", "create", *args, "--password", "a long enough passphrase", env=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_a_short_password_is_refused(tmp_path, upgraded_env):
    env = upgraded_env  # as `cspr db upgrade` leaves it
    result = cspr("users", "create", "--email", "a@b.example", "--name", "A",
                  "--partnership", "york:admin", "--password", "short", env=env)
    assert result.returncode == 1 and "at least 12 characters" in result.stderr


def test_demo_before_the_database_exists_says_what_to_do(tmp_path):
    result = cspr("demo", env=embedded_env(tmp_path))
    assert result.returncode == 1
    assert "run 'cspr db upgrade' first" in result.stderr


def test_a_bad_setting_is_a_clear_error(tmp_path):
    result = cspr("plugins", env=embedded_env(tmp_path, CSPR_PLUGINS_STRICT="maybe"))
    assert result.returncode == 1
    assert "CSPR_PLUGINS_STRICT: expected true or false" in result.stderr


def test_db_check_passes_on_a_migrated_database(tmp_path):
    env = embedded_env(tmp_path)
    cspr("db", "upgrade", env=env)
    result = cspr("db", "check", env=env)
    assert result.returncode == 0 and "matches the models" in result.stdout


def test_disabling_a_partnership_keeps_its_data_and_stops_its_page(tmp_path, upgraded_env):
    env = upgraded_env  # as `cspr db upgrade` leaves it
    off = cspr("partnership", "disable", "york", env=env)
    assert off.returncode == 0 and "data is kept" in off.stdout
    assert cspr("partnership", "disable", "atlantis", env=env).returncode == 1
    from cspr import create_app

    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.test_client().get("/york/").status_code == 404
    assert cspr("partnership", "enable", "york", env=env).returncode == 0
    assert app.test_client().get("/york/").status_code == 200


def test_audit_head_and_verify_on_the_embedded_database(tmp_path, upgraded_env):
    import sqlite3

    env = upgraded_env  # as `cspr db upgrade` leaves it
    for step in ("disable", "enable"):
        assert cspr("partnership", step, "york", env=env).returncode == 0
    heads = tmp_path / "heads.json"
    exported = cspr("audit", "head", "--out", str(heads), env=env)
    assert exported.returncode == 0, exported.stderr
    assert {"slug": "york", "seq": 2}.items() <= next(
        h for h in json.loads(heads.read_text())["heads"] if h["slug"] == "york").items()
    ok = cspr("audit", "verify", "--heads", str(heads), env=env)
    assert ok.returncode == 0, ok.stderr
    assert "york: 2 events, intact" in ok.stdout and "doncaster: 0 events, intact" in ok.stdout

    db = sqlite3.connect(tmp_path / "instance" / "cspr.sqlite3")
    refused = None
    try:
        db.execute("DELETE FROM audit_events WHERE seq = 2")
    except sqlite3.IntegrityError as exc:
        refused = str(exc)
    assert refused and "append-only" in refused
    db.execute("DROP TRIGGER audit_events_no_delete")  # what someone with the file could do
    db.execute("DELETE FROM audit_events WHERE seq = 2")
    db.commit()
    db.close()
    assert cspr("audit", "verify", env=env).returncode == 0  # the chain alone cannot tell
    caught = cspr("audit", "verify", "--heads", str(heads), env=env)
    assert caught.returncode == 1
    assert "york: 1 event, 1 problem" in caught.stdout
    assert "event 2: the chain ends at event 1" in caught.stdout
    assert "1 audit chain fails the check" in caught.stderr
    missing = cspr("audit", "verify", "--heads", str(tmp_path / "nowhere.json"), env=env)
    assert missing.returncode == 1 and "cannot read" in missing.stderr


def test_a_common_password_is_refused_and_accounts_are_disabled_and_enabled(tmp_path, upgraded_env):
    env = upgraded_env  # as `cspr db upgrade` leaves it
    common = cspr("users", "create", "--email", "a@b.example", "--name", "A",
                  "--partnership", "york:admin", "--password", "qwerty123456", env=env)
    assert common.returncode == 1 and "too common" in common.stderr
    assert cspr("users", "create", "--email", "a@b.example", "--name", "A", "--partnership", "york:admin",
                "--password", "a long enough passphrase", env=env).returncode == 0
    disabled = cspr("users", "disable", "A@b.example", env=env)
    assert disabled.returncode == 0 and "Disabled a@b.example; 0 sessions ended" in disabled.stdout
    assert cspr("users", "enable", "a@b.example", env=env).stdout.strip() == "Enabled a@b.example"
    missing = cspr("users", "disable", "nobody@b.example", env=env)
    assert missing.returncode == 1 and "there is no account for nobody@b.example" in missing.stderr
    reset = cspr("users", "reset-two-factor", "a@b.example", env=env)
    assert reset.returncode == 0 and "set up an authenticator app" in reset.stdout
