"""The staff app: sign-in, the dashboard, case and review pages, action plans, members.

Every page under ``/app/<slug>/`` runs in that partnership's context for a signed-in
member of it; anyone else gets 404, as if the partnership's records did not exist.
"""

# the pages, each adding its routes to the blueprint
from cspr.web.staff import audit_trail, briefings, cases, dashboard, holds, members, messages, reviews  # noqa: F401
from cspr.web.staff.pages import apply_errors, bp, ctx, roles  # noqa: F401 - the blueprint and its helpers
