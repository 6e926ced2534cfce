"""Running the ``cspr`` command as a user would, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def cspr(*args: str, env: dict[str, str] | None = None, input: str | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``cspr ARGS`` with this interpreter; return the finished process."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CSPR_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "cspr", *args], env=full_env, input=input, text=True,
        capture_output=True, timeout=timeout,
    )


def embedded_env(tmp: Path, **extra: str) -> dict[str, str]:
    """Settings for the embedded default in a throwaway instance folder."""
    return {"CSPR_INSTANCE_PATH": str(tmp / "instance"), **extra}


def production_settings(*without: str, **settings: object) -> dict[str, object]:
    """A complete production configuration (every required key set), less the settings named in ``without``."""
    from cryptography.fernet import Fernet

    full: dict[str, object] = {
        "ENV": "production",
        "SECRET_KEY": "a-production-secret-key-of-48-characters-0123456"[:48],
        "BASE_URL": "https://cspr.example.org",
        "TOTP_ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
        "AUDIT_HEADS_KEYS": ["an-audit-heads-signing-key-of-48-characters-0123"[:48]],
        **settings,
    }
    for name in without:
        full.pop(name, None)
    return full


def production_env(*without: str, **settings: str) -> dict[str, str]:
    """The same configuration as CSPR_* environment variables, for a ``cspr`` subprocess."""
    return {f"CSPR_{key}": ",".join(value) if isinstance(value, list) else str(value)
            for key, value in production_settings(*without, **settings).items()}
