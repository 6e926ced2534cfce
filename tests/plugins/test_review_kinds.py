"""Review kinds as the plugin API's data: stages, clocks (local targets), publication, joint reviews."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.deadlines.models import Deadline
from cspr.partnerships import demo
from cspr.partnerships import services as partnerships
from cspr.plugins import PluginRegistry
from cspr.reviews import services as reviews
from cspr.reviews.models import Review, ReviewKind
from cspr.services.context import Context
from cspr.services.errors import InputError
from tests.plugin_kit import plugin_with

DHR = {
    "key": "joint_dhr", "name": "Joint review with a domestic homicide review",
    "stages": [{"key": "decided"}, {"key": "terms_agreed", "title": "Terms agreed with the CSP"},
               {"key": "final_agreed"}, {"key": "sent_to_panel"}, {"key": "published"}, {"key": "archived"}],
    "clocks": [{"key": "dhr_to_home_office", "label": "Send the DHR report to the Home Office (local target)",
                "anchor": "final_report_agreed", "period": 10, "unit": "working_days",
                "met_by": "published"}],
    "publication": {"forms": ["full", "summary"], "co_publisher": "Riverside Community Safety Partnership"},
}


def riverside(kinds):
    reg = PluginRegistry(extra=[("riverside", plugin_with(cspr_review_kinds=lambda: kinds))]).load()
    return reg


def reason(reg):
    (error,) = [e for e in reg.errors if e.plugin == "riverside"]
    return error.reason


def test_a_kind_as_data_gives_its_stages_clocks_and_publication():
    policy = riverside(["scr", DHR]).policy("riverside")
    assert policy.review_kinds == ["local_cspr", "local_learning", "thematic", "scr", "joint_dhr"]
    dhr = policy.kind("joint_dhr")
    assert [s["title"] for s in dhr["stages"]][:2] == ["Decision to hold the review", "Terms agreed with the CSP"]
    assert dhr["frameworks"] == ["cspr", "dhr"]
    assert dhr["publication"] == {"forms": ["full", "summary"], "publisher": None,
                                  "co_publisher": "Riverside Community Safety Partnership"}
    clock = policy.deadline_rules["dhr_to_home_office"]
    assert clock["statutory"] is False and clock["kinds"] == ["joint_dhr"]
    # the old form, a list of keys, still works: the core's definition of each kind
    assert policy.kind("scr")["name"] == "Serious case review"


@pytest.mark.parametrize("kind, message", [
    ({"key": "local_cspr", "clocks": DHR["clocks"]},
     "a local child safeguarding practice review ('local_cspr') is defined by law and stays as the core "
     "defines it: a plugin may offer it, not change its clocks"),
    ({"key": "national", "publication": {"forms": ["summary"]}}, "not change its publication"),
    ({"key": "joint_sar", "stages": [{"key": "decided"}, {"key": "published"}]},
     "cannot leave out the stages ['sent_to_panel'] (the law sends a joint review's final report to the Panel)"),
    ({"key": "thematic", "stages": [{"key": "published"}, {"key": "decided"}]}, "must follow the platform's order"),
    ({"key": "thematic", "stages": [{"key": "decided"}, {"key": "peer_review"}, {"key": "published"}]},
     "unknown stages ['peer_review']"),
    ({"key": "inquest"}, "unknown kind"),
    ({"key": "joint_dhr", "frameworks": ["sar"]}, "is held under cspr and dhr at least"),
    ({"key": "thematic", "clocks": [{"key": "x", "label": "From awareness", "anchor": "aware", "period": 5,
                                      "unit": "working_days", "met_by": "published"}]},
     "a kind's clock counts from a date of the review"),
    ({"key": "thematic", "clocks": [{"key": "rapid_review", "label": "Clash", "anchor": "decision",
                                      "period": 5, "unit": "working_days", "met_by": "published"}]},
     "has the name of another deadline rule"),
])
def test_a_kind_that_breaks_the_rules_is_refused_at_load_with_the_reason(kind, message):
    reg = riverside([kind])
    assert "riverside" not in reg.policies
    assert message in reason(reg)


def test_southampton_runs_joint_sars_with_a_local_target_and_the_statutory_clocks(app):
    with app.app_context(), get_db().session_scope() as session:
        registry = app.extensions["cspr.plugins"]
        row = next(p for p in partnerships.sync(session, registry) if p.slug == "southampton")
        with acting_for(session, row.id):
            ctx = Context(session, row, registry.policy("southampton"), actor="test")
            sar = reviews.start(ctx, kind="joint_sar", title="Joint review A", decided_on=ctx.today)
            cspr = reviews.start(ctx, kind="local_cspr", title="Local review B", decided_on=ctx.today)
            rows = {(d.subject, d.kind): d for d in session.scalars(select(Deadline))}
    joint = {kind: d for (subject, kind), d in rows.items() if subject == f"review:{sar.id}"}
    local = {kind for (subject, kind) in rows if subject == f"review:{cspr.id}"}
    assert joint["sar_report_agreed"].statutory is False
    assert joint["publication"].statutory is True  # its CSPR part keeps the law's 6 months
    assert "sar_report_agreed" not in local and "publication" in local


def test_a_joint_review_is_one_record_published_with_its_frameworks_and_publishers(app, client, tmp_path):
    with app.app_context(), get_db().session_scope() as session:
        registry = app.extensions["cspr.plugins"]
        row = next(p for p in partnerships.sync(session, registry) if p.slug == "southampton")
        with acting_for(session, row.id):
            ctx = Context(session, row, registry.policy("southampton"), actor="test")
            review = demo.publish_example(ctx, documents_dir=tmp_path, secret_key="k",
                                          kind=ReviewKind.JOINT_SAR, title="Joint review C",
                                          authors=["An Independent Author"])
            assert review.frameworks == ["cspr", "sar"]
            assert review.publisher == "Southampton Children and Adults Safeguarding Partnership"
            assert review.authors == ["An Independent Author"]
    page = client.get("/southampton/").get_data(as_text=True)
    item = page[page.index("Joint review C"):][:2500]
    assert "Joint child safeguarding practice review and safeguarding adults review" in item
    assert ("One joint review, held as a child safeguarding practice review (Children Act 2004 s16F) and as "
            "a safeguarding adults review (Care Act 2014 s44).") in item
    assert "Written by An Independent Author" in item
    assert "Published by Southampton Children and Adults Safeguarding Partnership" in item


def test_a_kind_publishes_only_in_its_own_forms(app, tmp_path):
    policy = riverside([DHR]).policy("riverside")
    with app.app_context(), get_db().session_scope() as session:
        registry = app.extensions["cspr.plugins"]
        row = next(p for p in partnerships.sync(session, registry) if p.slug == "doncaster")
        with acting_for(session, row.id):
            ctx = Context(session, row, policy, actor="test")
            with pytest.raises(InputError) as refused:
                demo.publish_example(ctx, documents_dir=tmp_path, secret_key="k", kind=ReviewKind.JOINT_DHR,
                                     title="Joint review D", publication_form="redacted",
                                     publication_note="Criminal proceedings")
            assert refused.value.errors["publication_form"] == (
                "Joint review with a domestic homicide review: the partnership publishes these as the full "
                "report, a summary with the lessons")
            review = demo.publish_example(ctx, documents_dir=tmp_path, secret_key="k", kind=ReviewKind.JOINT_DHR,
                                          title="Joint review E")
            assert review.co_publisher == "Riverside Community Safety Partnership"
            assert review.frameworks == ["cspr", "dhr"]


def test_demo_content_in_a_form_its_kind_does_not_publish_stops_the_plugin_with_the_reason():
    demo_review = {"kind": "joint_dhr", "title": "Joint review F", "published_on": "2025-04",
                   "publication_form": "redacted", "publication_note": "Criminal proceedings"}
    plugin = plugin_with(cspr_review_kinds=lambda: [DHR],
                         cspr_demo_content=lambda: {"reviews": [demo_review], "briefings": []})
    reg = PluginRegistry(extra=[("riverside", plugin)]).load()
    assert "riverside" not in reg.policies
    assert ("demo review 'Joint review F': publication_form 'redacted' is not one the kind 'joint_dhr' is "
            "published in here: full, summary") in reason(reg)


def test_demo_and_legacy_reviews_of_a_joint_kind_carry_its_frameworks_and_co_publisher(app):
    demo_review = {"kind": "joint_dhr", "title": "Joint review G", "published_on": "2024"}
    plugin = plugin_with(cspr_review_kinds=lambda: [DHR],
                         cspr_demo_content=lambda: {"reviews": [demo_review], "briefings": []})
    registry = PluginRegistry(extra=[("riverside", plugin)]).load()
    with app.app_context(), get_db().session_scope() as session:
        demo.load(session, registry)
        row = partnerships.get(session, "riverside")
        with acting_for(session, row.id):
            ctx = Context(session, row, registry.policy("riverside"), actor="test")
            loaded = session.scalar(select(Review).where(Review.title == "Joint review G"))
            imported = reviews.record_legacy(ctx, kind=ReviewKind.JOINT_DHR, title="Joint review H",
                                             published_on="2019")
            own = reviews.record_legacy(ctx, kind=ReviewKind.JOINT_DHR, title="Joint review I",
                                        published_on="2019", co_publisher="Safer Riverside")
            for review in (loaded, imported):
                assert review.frameworks == ["cspr", "dhr"]
                assert review.co_publisher == "Riverside Community Safety Partnership"
            assert own.co_publisher == "Safer Riverside"  # a review's own co-publisher wins
