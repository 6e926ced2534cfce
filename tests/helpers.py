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
