"""Deadline anchors and facts are named once (cspr.deadlines.names): the core, the docs and plugins agree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from cspr import create_app
from cspr.deadlines.names import Anchor, Fact, Side
from cspr.plugins import PluginRegistry
from tests.plugin_kit import plugin_with

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "core"
NAMES = {a.value for a in Anchor}
BUNDLED = {"doncaster", "plymouth", "southampton", "york"}
#: Modules that hold nothing but deadline names' business: no string there may be one of them.
ENGINE = [CORE / "deadlines" / "facts.py", CORE / "deadlines" / "services.py",
          CORE / "deadlines" / "present.py", CORE / "deadlines" / "reminders.py",
          CORE / "services" / "dates.py"]
#: Tables of names elsewhere in the core (the defaults, the policy schema, the plugin checks).
NAME_TABLES = {"STATUTORY_RULES", "STRICTER_ANCHORS", "EVENTS", "ANCHORS", "INCIDENT_FACTS",
               "ANCHOR_FIELDS", "RULES"}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _bare(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in NAMES


def bare_names(path: Path, root: Path = ROOT) -> list[str]:
    """Where ``path`` writes an anchor or fact as a bare string, as "file:line: 'name'"."""
    tree = ast.parse(path.read_text(), str(path))
    where = str(path.relative_to(root))
    docs = _docstrings(tree)
    found: list[tuple[int, str]] = []

    def flag(node: ast.AST) -> None:
        found.append((node.lineno, node.value))

    for node in ast.walk(tree):
        if path in ENGINE and _bare(node) and id(node) not in docs:
            flag(node)
        if isinstance(node, ast.Dict):  # {"anchor": "aware", "met_by": "notification"}
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in ("anchor", "met_by") and _bare(value):
                    flag(value)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "date" and len(node.args) == 3 \
                    and _bare(node.args[2]):  # Checker.date(field, value, fact)
                flag(node.args[2])
            for kw in node.keywords:  # facts.update(aware=...): a name spelt as a keyword
                if kw.arg in NAMES and path.parent.name == "deadlines":
                    found.append((kw.value.lineno, kw.arg))
        if isinstance(node, ast.Compare):  # rule["anchor"] == "aware"
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Subscript) and isinstance(s.slice, ast.Constant)
                   and s.slice.value in ("anchor", "met_by") for s in sides):
                found += [(s.lineno, s.value) for s in sides if _bare(s)]
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in NAME_TABLES for t in targets) and node.value:
                for inner in ast.walk(node.value):
                    if _bare(inner):
                        flag(inner)
    return [f"{where}:{line}: {name!r}" for line, name in sorted(set(found))]


def test_the_core_names_every_anchor_and_fact_through_the_enum():
    offenders = [hit for path in sorted(CORE.rglob("*.py")) for hit in bare_names(path)]
    assert offenders == []


def test_the_scan_finds_the_bare_names_the_old_code_wrote(tmp_path):
    # the check itself: today's strings, where the core used to write them, are caught
    sample = tmp_path / "sample.py"
    sample.write_text('STATUTORY_RULES = {"x": {"anchor": "aware", "met_by": "notification"}}\n'
                      'ok = rule["anchor"] == "decision"\n'
                      'c.date("sent_on", value, "report_sent")\n'
                      'EVENTS = ("published", "archived")\n')
    hits = bare_names(sample, root=tmp_path)
    assert {h.split(": ", 1)[1] for h in hits} == {
        "'aware'", "'notification'", "'decision'", "'report_sent'", "'published'", "'archived'"}


def test_every_fact_is_an_anchor_and_every_name_has_a_side():
    assert {f.value for f in Fact} < NAMES
    assert NAMES - {f.value for f in Fact} == {"incident", "aware", "planned_publication"}
    assert {a for a in Anchor if a.side == Side.INCIDENT} == {
        Anchor.INCIDENT, Anchor.AWARE, Anchor.NOTIFICATION, Anchor.OFSTED_SOS_NOTIFIED,
        Anchor.RAPID_REVIEW_SENT, Anchor.PANEL_RESPONSE}
    assert Fact.DECISION == "decision" and Fact.DECISION.side == Side.REVIEW


def documented_names() -> dict[str, tuple[bool, bool]]:
    docs = (ROOT / "docs" / "plugins.md").read_text()
    table = re.search(r"<!-- deadline-names -->\n(.*?)<!-- /deadline-names -->", docs, re.S).group(1)
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        match = re.fullmatch(r"`(\w+)`", cells[0])
        if match:
            rows[match.group(1)] = (cells[1] == "yes", cells[2] == "yes")
    return rows


def test_the_plugin_docs_list_exactly_the_anchors_and_facts():
    rows = documented_names()
    assert [name for name, (anchor, _) in rows.items() if anchor] == [a.value for a in Anchor]
    assert [name for name, (_, fact) in rows.items() if fact] == [f.value for f in Fact]


# -- plugins write today's strings; an unknown one is refused at load --------------------------

def rules_with(target):
    def cspr_deadline_rules(statutory):
        statutory["strategy"] = {"label": "Hold the strategy discussion", "period": 5,
                                 "unit": "working_days", "direction": "within", "statutory": False,
                                 **target}
        return statutory
    return cspr_deadline_rules


def test_a_plugin_writing_todays_strings_loads_unchanged():
    def cspr_deadline_rules(statutory):
        assert statutory["rapid_review"]["anchor"] == "notification"  # what a plugin compares with
        statutory["rapid_review"]["anchor"] = "aware"
        return rules_with({"anchor": "decision", "met_by": "terms_of_reference"})(statutory)

    reg = PluginRegistry(extra=[("riverside", plugin_with(cspr_deadline_rules=cspr_deadline_rules))]).load()
    assert reg.errors == []
    rules = reg.policy("riverside").deadline_rules
    assert rules["rapid_review"]["anchor"] is Anchor.AWARE
    assert (rules["strategy"]["anchor"], rules["strategy"]["met_by"]) == (Anchor.DECISION, Fact.TERMS_OF_REFERENCE)


@pytest.mark.parametrize(("target", "what", "unknown", "known"), [
    ({"anchor": "awareness", "met_by": "notification"}, "counts from an unknown anchor", "'awareness'",
     ", ".join(a.value for a in Anchor)),
    ({"anchor": "aware", "met_by": "strategy_held"}, "is met by an unknown fact", "'strategy_held'",
     ", ".join(f.value for f in Fact)),
])
def test_a_rule_naming_an_unknown_anchor_or_fact_is_refused_at_load(target, what, unknown, known):
    reg = PluginRegistry(extra=[("riverside", plugin_with(cspr_deadline_rules=rules_with(target)))]).load()
    assert "riverside" not in reg.policies
    assert set(reg.policies) == BUNDLED  # the other partnerships keep working
    (error,) = reg.errors
    message = str(error)
    assert message.startswith("plugin 'riverside': ")
    assert f"deadline rule 'strategy' {what} {unknown}" in message
    assert known in message
    (info,) = [i for i in reg.infos if i.name == "riverside"]
    assert (info.status, info.error) == ("broken", error.reason)  # what `cspr plugins` shows


def test_an_unknown_anchor_shows_in_healthz_and_the_app_serves_the_others(tmp_path):
    bad = plugin_with(cspr_deadline_rules=rules_with({"anchor": "strategy", "met_by": "notification"}))
    app = create_app({"EXTRA_PLUGINS": [("riverside", bad)], "INSTANCE_PATH": str(tmp_path)})
    assert set(app.extensions["cspr.plugins"].policies) == BUNDLED
    plugins = app.test_client().get("/healthz").get_json()["checks"]["plugins"]
    assert plugins["ok"] is False
    (broken,) = plugins["broken"]
    assert "plugin 'riverside'" in broken and "unknown anchor 'strategy'" in broken
    assert "incident, aware, notification" in broken
