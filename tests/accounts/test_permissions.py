"""Who may do what: the one permission matrix, every role against every action, and nobody else's sets."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cspr.accounts.models import Role
from cspr.accounts.permissions import Permission, allowed, describe, roles_for
from tests.api_kit import Api, make_member

A, P, R, V, C, S = Role.ADMIN, Role.PARTNER, Role.REVIEWER, Role.VIEWER, Role.CONTRIBUTOR, Role.SCRUTINEER

# The matrix as the code enforced it before there was one (x: may, .: may not).
#                                          admin partner reviewer viewer contributor scrutineer
EXPECTED: dict[Permission, str] = {
    Permission.READ_CASES:               "x x . x . .",
    Permission.EDIT_CASES:               "x . . . . .",
    Permission.SIGN_OFF:                 "x x . . . .",
    Permission.SEE_DASHBOARD:            "x x x x . x",
    Permission.READ_REVIEWS:             "x x x x . .",
    Permission.LIST_REVIEWS:             "x x . x . .",
    Permission.READ_ACTION_PLAN:         "x x . x . x",
    Permission.EDIT_REVIEWS:             "x . . . . .",
    Permission.RECORD_DRAFT:             "x . x . . .",
    Permission.PUBLISH:                  "x . . . . .",
    Permission.EDIT_ACTION_PLAN:         "x . . . . .",
    Permission.READ_DEADLINES:           "x x x x . .",
    Permission.EXPORT_TRACKER:           "x x . x . .",
    Permission.EXPORT_DEADLINES:         "x x . x . .",
    Permission.MANAGE_BRIEFINGS:         "x . . . . .",
    Permission.MANAGE_MEMBERS:           "x . . . . .",
    Permission.MANAGE_MESSAGES:          "x . . . . .",
    Permission.MANAGE_HOLDS:             "x . . . . .",
    Permission.READ_AUDIT_TRAIL:         "x . . . . .",
    Permission.READ_PROCEEDINGS:         "x x . x . .",
    Permission.EDIT_PROCEEDINGS:         "x . . . . .",
    Permission.READ_CHRONOLOGY:          "x x . x . .",
    Permission.ADD_CHRONOLOGY_ENTRY:     "x . . . x .",
    Permission.EDIT_CHRONOLOGY:          "x . . . . .",
    Permission.IMPORT_CHRONOLOGY:        "x . . . x .",  # a contributor: their own agency's rows
    Permission.EXPORT_CHRONOLOGY:        "x x . x . .",
    Permission.READ_INFORMATION_REQUESTS: "x x . x x .",
    Permission.SEND_INFORMATION_REQUESTS: "x . . . . .",
    Permission.UPLOAD_RETURNS:           "x . . . x .",
    Permission.READ_DOCUMENTS:           "x x x x . .",  # a reviewer: their review's only
    Permission.UPLOAD_DOCUMENTS:         "x . x . . .",
    Permission.COMMENT_ON_DOCUMENTS:     "x x x . . .",
    Permission.SIGN_OFF_DOCUMENTS:       "x x . . . .",
    Permission.READ_FIGURES:             "x x . x . x",
    Permission.EXPORT_FIGURES:           "x x . x . x",
    Permission.EXPORT_ACTION_PLAN:       "x x . x . x",
    Permission.MANAGE_SETTINGS:          "x . . . . .",
    Permission.READ_ARCHIVE:             "x x . x . .",
    Permission.MANAGE_ARCHIVE:           "x . . . . .",
    Permission.IMPORT_RECORDS:           "x . . . . .",
}
COLUMNS = (A, P, R, V, C, S)


def test_every_action_is_in_the_expected_table() -> None:
    assert set(EXPECTED) == set(Permission)


@pytest.mark.parametrize("action", list(Permission), ids=lambda a: a.name)
@pytest.mark.parametrize("role", COLUMNS, ids=lambda r: r.value)
def test_the_matrix(role: Role, action: Permission) -> None:
    may = EXPECTED[action].split()[COLUMNS.index(role)] == "x"
    assert allowed(role, action) is may
    assert (role in roles_for(action)) is may


def test_no_role_is_allowed_nothing() -> None:
    assert not any(allowed(None, action) for action in Permission)


def test_refusals_name_the_roles_in_a_stable_order() -> None:
    assert describe(Permission.SIGN_OFF) == "admin or partner"
    assert describe(Permission.RECORD_DRAFT) == "admin or reviewer"
    assert describe(Permission.READ_CASES) == "admin or partner or viewer"


def _role_sets(tree: ast.AST) -> list[int]:
    """Lines where a tuple, list or set of roles is written, or one is built from Role."""
    def is_role(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Role"

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set) and any(is_role(e) for e in node.elts):
            lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", None)
            if name in ("frozenset", "set", "tuple", "list") and any(
                    isinstance(a, ast.Name) and a.id == "Role" for a in node.args):
                lines.append(node.lineno)  # frozenset(Role), tuple(Role)
            elif name != "Role" and any(is_role(a) for a in node.args):
                lines.append(node.lineno)  # @roles(Role.ADMIN, Role.PARTNER): roles passed one by one
    return sorted(set(lines))


def test_only_the_permissions_module_defines_sets_of_roles() -> None:
    core = Path(__file__).resolve().parents[2] / "core"
    found = {}
    for path in sorted(core.rglob("*.py")):
        if path.name == "permissions.py" and path.parent == core / "accounts":
            continue
        lines = _role_sets(ast.parse(path.read_text(), str(path)))
        if lines:
            found[str(path.relative_to(core))] = lines
    assert found == {}


def test_the_checker_finds_the_sets_the_web_modules_used_to_define() -> None:
    old = ("READERS = tuple(Role)\nADMINS = (Role.ADMIN,)\nCASE_ROLES = frozenset({Role.ADMIN, Role.VIEWER})\n"
           "@roles(Role.ADMIN, Role.PARTNER)\ndef f(): pass\nok = role == Role.ADMIN and Role('viewer')\n")
    assert _role_sets(ast.parse(old)) == [1, 2, 3, 4]


# Over HTTP with real tokens: where the old sets of the same name differed, the behaviour stays.
PROBES = [  # (path, permission): GETs that only the permission's roles may make
    ("/incidents", Permission.READ_CASES),
    ("/reviews", Permission.READ_REVIEWS),
    ("/deadlines", Permission.READ_DEADLINES),
    ("/tracker.csv", Permission.EXPORT_TRACKER),
    ("/deadlines.ics", Permission.EXPORT_DEADLINES),
]


def test_each_role_is_let_in_or_refused_by_the_api_as_the_matrix_says(app, client) -> None:
    members = {role: Api(client, make_member(app, "doncaster", role)) for role in COLUMNS}
    for path, action in PROBES:
        for role, api in members.items():
            response = api.get(path)
            if allowed(role, action):
                assert response.status_code == 200, (path, role)
            else:
                assert response.status_code == 403, (path, role)
                assert response.get_json()["message"] == (
                    f"This needs the {describe(action)} role; your role here is {role.value}.")
    refused = members[V].post("/incidents", json={})
    assert refused.status_code == 403
    assert refused.get_json()["message"] == "This needs the admin role; your role here is viewer."
