"""GOV.UK Frontend's built assets, served from the npm package the set-up installs."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory
from flask.typing import ResponseReturnValue

bp = Blueprint("assets", __name__)

REPO = Path(__file__).resolve().parents[2]


def assets_dir() -> Path:
    """Where govuk-frontend's dist/govuk folder is (CSPR_ASSETS_DIR overrides)."""
    configured = current_app.config.get("ASSETS_DIR")
    return Path(configured) if configured else REPO / "node_modules/govuk-frontend/dist/govuk"


@bp.route("/assets/<path:filename>")
def asset(filename: str) -> ResponseReturnValue:
    """Fonts, images and the manifest, then the compiled CSS and JavaScript."""
    root = assets_dir()
    for folder in (root / "assets", root):
        # os.path.isfile answers False for any name the OS refuses (too long, NUL), where
        # Path.is_file would raise; send_from_directory keeps the name inside the folder.
        if os.path.isfile(folder / filename):
            return send_from_directory(folder, filename, max_age=3600)
    abort(404)
