"""TOTP secrets are stored encrypted with a key kept outside the database (Fernet, rotatable)."""

from __future__ import annotations

import re
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pyotp
import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from flask.cli import ScriptInfo
from sqlalchemy import create_engine, select, text

from cspr.accounts import keys
from cspr.accounts.models import Role, User
from cspr.accounts.users import create_user
from cspr.config import ConfigError
from cspr.db import get_db
from cspr.partnerships import services as partnerships
from tests.helpers import production_settings
from tests.web_kit import PASSWORD, csrf_of

pytestmark = pytest.mark.commits  # the owner reads the stored secrets through a connection of its own

EMAIL = "lead@doncaster.example.org"
BASE32_SECRET = re.compile(r"[A-Z2-7]{32}")


def twin(app, tmp_path: Path, **overrides):
    """Another app on the same database as ``app`` (as another deployment's settings would be)."""
    from cspr import create_app

    settings = {k: app.config[k] for k in ("DATABASE_URL", "MIGRATION_DATABASE_URL", "BROKER_URL",
                                           "MAIL_SERVER", "MAIL_PORT", "SERVER_NAME", "RATELIMIT_STORAGE_URI",
                                           "RATELIMIT_KEY_PREFIX")}
    return create_app({**settings, "TESTING": True, "INSTANCE_PATH": str(tmp_path / "twin"), **overrides})


def new_account(app) -> None:
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        create_user(session, EMAIL, "Lead", PASSWORD, memberships=[(partnerships.get(session, "doncaster"),
                                                                     Role.ADMIN)])


def stored(pg_url: str) -> dict:
    """The account's row as the database holds it (read as the tables' owner)."""
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM users WHERE email = :e"), {"e": EMAIL}).mappings().one()
    engine.dispose()
    return dict(row)


def read_secret(app) -> str | None:
    """The secret as the app reads it (decrypted)."""
    with app.app_context(), get_db().session_scope() as session:
        return session.scalar(select(User).where(User.email == EMAIL)).totp_secret


def enrol(client) -> str:
    """Sign in for the first time and set up the authenticator app; the secret the page showed."""
    page = client.get("/sign-in").get_data(as_text=True)
    response = client.post("/sign-in", data={"csrf_token": csrf_of(page), "email": EMAIL, "password": PASSWORD})
    assert response.location.endswith("/sign-in/set-up-two-factor")
    html = client.get("/sign-in/set-up-two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([^<]+)<', html).group(1).replace(" ", "")
    response = client.post("/sign-in/set-up-two-factor",
                           data={"csrf_token": csrf_of(html), "code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302, response.get_data(as_text=True)
    return secret


def code_step(client, secret: str, pg_url: str):
    """Sign in with the password, then a code the authenticator app shows (not one used already)."""
    page = client.get("/sign-in").get_data(as_text=True)
    response = client.post("/sign-in", data={"csrf_token": csrf_of(page), "email": EMAIL, "password": PASSWORD})
    assert response.location.endswith("/sign-in/two-factor"), response.location
    step_page = client.get("/sign-in/two-factor").get_data(as_text=True)
    totp = pyotp.TOTP(secret)
    while True:  # the server takes one step either side of now, each only once
        last, step = stored(pg_url)["totp_last_step"], totp.timecode(datetime.now(UTC))
        if last is None or last < step + 1:
            code = totp.generate_otp(max(step, (last or 0) + 1))
            break
        time.sleep(1)
    return client.post("/sign-in/two-factor", data={"csrf_token": csrf_of(step_page), "code": code})


def test_after_enrolment_the_database_holds_no_secret_and_a_code_still_signs_in(app, client, pg_url):
    new_account(app)
    secret = enrol(client)
    row = stored(pg_url)
    assert row["totp_secret"] is None  # the old clear column stays empty
    assert row["totp_secret_encrypted"].startswith("gAAAAA")  # a Fernet token
    assert not any(BASE32_SECRET.search(str(v)) for v in row.values()), "a base32 secret is in the row"
    assert secret not in str(row)
    assert read_secret(app) == secret

    client.post("/sign-out", data={"csrf_token": csrf_of(client.get("/sign-in").get_data(as_text=True))})
    response = code_step(client, secret, pg_url)
    assert response.status_code == 302 and not response.location.endswith("/sign-in/two-factor")
    assert client.get("/app/doncaster/").status_code == 200  # signed in with the code


def test_a_secret_stored_in_clear_before_still_works_and_is_encrypted_at_its_first_use(app, client, pg_url):
    new_account(app)
    secret = pyotp.random_base32(32)
    engine = create_engine(pg_url)  # as an older version stored it
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET totp_secret = :s, totp_confirmed_at = now() WHERE email = :e"),
                     {"s": secret, "e": EMAIL})
    engine.dispose()
    response = code_step(client, secret, pg_url)
    assert response.status_code == 302 and not response.location.endswith("/sign-in/two-factor")
    row = stored(pg_url)
    assert row["totp_secret"] is None and secret not in str(row)
    assert read_secret(app) == secret


def test_a_wrong_key_fails_clearly_and_rotation_moves_every_secret_to_the_new_key(app, client, pg_url, tmp_path,
                                                                                 caplog):
    new_account(app)
    secret = enrol(client)
    new_key = Fernet.generate_key().decode()

    wrong = twin(app, tmp_path, TOTP_ENCRYPTION_KEYS=[new_key])  # the old key is missing
    try:
        response = code_step(wrong.test_client(), secret, pg_url)
        assert response.status_code == 503
        page = response.get_data(as_text=True)
        assert "cannot read its two-factor keys" in page and "Sorry, there is a problem" not in page
        assert "cannot be decrypted with CSPR_TOTP_ENCRYPTION_KEYS" in caplog.text
        refused = CliRunner().invoke(main_cli(), ["users", "rotate-totp-key"],
                                     obj=ScriptInfo(create_app=lambda: wrong))
        assert refused.exit_code == 1
        assert f"1 secret cannot be decrypted with CSPR_TOTP_ENCRYPTION_KEYS ({EMAIL})" in refused.output
        assert "Nothing was changed" in refused.output
    finally:
        wrong.extensions["cspr.db"].engine.dispose()
    before = stored(pg_url)["totp_secret_encrypted"]

    old_key = keys.development_totp_key(app.config["SECRET_KEY"])  # the key the app derived
    both = twin(app, tmp_path, TOTP_ENCRYPTION_KEYS=f"{new_key},{old_key}")  # the new key first
    try:
        rotated = CliRunner().invoke(main_cli(), ["users", "rotate-totp-key"],
                                     obj=ScriptInfo(create_app=lambda: both))
        assert rotated.exit_code == 0, rotated.output
        assert "1 secret re-encrypted with the first key" in rotated.output
    finally:
        both.extensions["cspr.db"].engine.dispose()
    after = stored(pg_url)["totp_secret_encrypted"]
    assert after != before and Fernet(new_key).decrypt(after.encode()).decode() == secret

    only_new = twin(app, tmp_path, TOTP_ENCRYPTION_KEYS=[new_key])  # the old key is gone now
    try:
        response = code_step(only_new.test_client(), secret, pg_url)
        assert response.status_code == 302 and not response.location.endswith("/sign-in/two-factor")
    finally:
        only_new.extensions["cspr.db"].engine.dispose()


def main_cli():
    from cspr.cli import cli

    return cli


def test_production_refuses_to_start_without_a_key_and_a_malformed_key_anywhere(tmp_path):
    from cspr import create_app

    production = production_settings("TOTP_ENCRYPTION_KEYS", INSTANCE_PATH=str(tmp_path))
    with pytest.raises(ConfigError, match="CSPR_TOTP_ENCRYPTION_KEYS is not set"):
        create_app(production)
    with pytest.raises(ConfigError, match="CSPR_TOTP_ENCRYPTION_KEYS: key 2 is not a Fernet key"):
        create_app({"INSTANCE_PATH": str(tmp_path), "TOTP_ENCRYPTION_KEYS": [Fernet.generate_key().decode(),
                                                                             "not-a-key"]})
    app = create_app({**production, "TOTP_ENCRYPTION_KEYS": Fernet.generate_key().decode()})  # one, as a string
    app.extensions["cspr.db"].engine.dispose()


def test_the_export_carries_secrets_encrypted_and_import_needs_the_key(app, tmp_path):
    from cspr.records import exporting as export_partnership
    from cspr.records import importing as import_partnership

    new_account(app)
    secret = pyotp.random_base32(32)
    with app.app_context(), get_db().session_scope() as session:
        session.scalar(select(User).where(User.email == EMAIL)).totp_secret = secret
        session.scalar(select(User).where(User.email == EMAIL)).totp_confirmed_at = datetime.now(UTC)
    out = tmp_path / "doncaster.zip"
    with app.app_context():
        export_partnership.export(get_db(), "doncaster", out, documents_dir=tmp_path / "docs",
                                  archive_dir=tmp_path / "arch")
    with zipfile.ZipFile(out) as archive:
        users = archive.read("tables/users.json").decode()
    assert secret not in users and "gAAAAA" in users

    from cspr import create_app
    from cspr.db import make_engine, migrate

    def target(name: str, keys: list[str] | None):
        url = f"sqlite:///{tmp_path / name}.sqlite3"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        extra = {"TOTP_ENCRYPTION_KEYS": keys} if keys else {}
        return create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / name), "TESTING": True, **extra})

    elsewhere = target("elsewhere", [Fernet.generate_key().decode()])
    with elsewhere.app_context(), pytest.raises(import_partnership.ImportRefused,
                                                match="encrypted with a key this deployment does not have"):
        import_partnership.restore(get_db(), elsewhere.extensions["cspr.plugins"], out,
                                   documents_dir=tmp_path / "d1", archive_dir=tmp_path / "a1")
    same = target("same", None)  # the same (development) key as the exporting deployment
    with same.app_context():
        import_partnership.restore(get_db(), same.extensions["cspr.plugins"], out,
                                   documents_dir=tmp_path / "d2", archive_dir=tmp_path / "a2")
    assert read_secret(same) == secret
    for made in (elsewhere, same):
        made.extensions["cspr.db"].engine.dispose()
