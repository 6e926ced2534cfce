"""The staff app: sign-in, the dashboard, case and review pages, action plans, members.

Every page under ``/app/<slug>/`` runs in that partnership's context for a signed-in
member of it; anyone else gets 404, as if the partnership's records did not exist.
"""

# the blueprint and its helpers; each domain's staff pages add their routes to it
# (the app factory imports them: see cspr.web.STAFF_PAGES)
from cspr.web.staff.pages import apply_errors, bp, ctx, roles  # noqa: F401
