"""The access matrix: every URL of dj-learning, as each role, allowed or refused.

Every URL pattern whose view is dj-learning's (the member pages, the API, the embeds,
the admin screens the package adds) must have a row in ``MATRIX``; a route without one
fails ``test_every_route_has_a_row``. A row names the method, the roles allowed
(every other role must be refused) and, for a route that takes ids, the objects: always
those of the demo member 张伟 (``member``, DH0108, branch r1-branch-1 of region 1) or of
their unit, so "allowed" for another role means that role may see *their* data.

A new app adds its rows in one block (see docs/reference/extending.md, "The access
matrix"). A route's objects are made once in a savepoint, and each request runs in a
savepoint of its own rolled back afterwards, with the cache emptied before it, so a
POST allowed for one role leaves nothing behind for the next in the database or the
cache. Files are not rolled back: no row's allowed request may delete or change the
files of the objects it is asked about (a later role would find them gone and seem
refused).
"""

import copy
import json
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dj_learning.test import factories

pytestmark = pytest.mark.django_db

PASSWORD = "Demo!pass2026"

#: Who asks. ``member`` owns every object a route is asked about.
ROLES = {
    "anonymous": None,
    "member": "member",  # 张伟, r1-branch-1
    "peer": "peer",  # another member of the same branch (made below)
    "far": "member2",  # a member of region 2
    "clerk2": "clerk2",  # the clerk of another branch of region 1 (made below)
    "reviewer": "reviewer",  # reviewer of r1-branch-1, the member's branch
    "rreviewer": "regionreviewer",  # reviewer of region 1
    "editor": "editor",  # a Wagtail editor with no unit role
    "admin": "admin",  # superuser
}
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
#: Signed in with a member record of their own (editor and admin have none).
MEMBERS = frozenset({"member", "peer", "far", "clerk2", "reviewer", "rreviewer"})
#: Staff whose units include the member's branch.
STAFF_OVER = frozenset({"reviewer", "rreviewer", "admin"})
#: Everyone who holds a staff role somewhere (and the superuser).
ANY_STAFF = frozenset({"clerk2", "reviewer", "rreviewer", "admin"})
NOBODY = frozenset()
#: Who may open the admin's choosers: whoever may use the Wagtail admin (a chooser lists
#: only the user's regions; the objects asked about here belong to no region).
CHOOSERS = ANY_STAFF | {"editor"}
#: Members of the member's branch (the branch reviewer is one).
BRANCH = frozenset({"member", "peer", "reviewer"})


@dataclass(frozen=True)
class Row:
    method: str
    allow: frozenset
    kwargs: dict = field(default_factory=dict)  # URL kwarg -> name of an object (see Objects)
    body: object = None  # JSON for the API, form data for pages
    host: str = "127.0.0.1"  # region 1's site
    # A refusal some routes give as a message (a 4xx, or a page after the redirect).
    refused_text: str = ""


def get(allow, **kwargs):
    return Row("GET", frozenset(allow), kwargs)


def post(allow, body=None, refused_text="", **kwargs):
    return Row("POST", frozenset(allow), kwargs, body, refused_text=refused_text)


def put(allow, body=None, **kwargs):
    return Row("PUT", frozenset(allow), kwargs, body)


def delete(allow, **kwargs):
    return Row("DELETE", frozenset(allow), kwargs)


# fmt: off
MATRIX = {
    # -- members ----------------------------------------------------------------------
    "dj_learning:login": get(EVERYONE),
    "dj_learning:logout": post(EVERYONE),
    "dj_learning:profile": get(SIGNED_IN),
    "dj_learning:correction": get(MEMBERS),
    "dj_learning:two_factor_setup": get(SIGNED_IN),
    "dj_learning:two_factor_verify": get(SIGNED_IN),
    # Only after the second step: nobody here has confirmed a device in this session.
    "dj_learning:two_factor_backup_codes": post(NOBODY),
    "dj_learning:password_reset": get(EVERYONE),
    "dj_learning:password_reset_sent": get(EVERYONE),
    "dj_learning:password_reset_confirm": get(EVERYONE, uidb64="uid", token="token"),
    "dj_learning:password_reset_done": get(EVERYONE),
    "dj_learning_api:me": get(SIGNED_IN),
    "dj_learning_api:my_record": get(MEMBERS),
    "dj_learning_api:list_records": get(SIGNED_IN),  # each sees the records in their scope
    "dj_learning_api:get_record": get(STAFF_OVER, member_id="member"),
    "dj_learning_api:propose": post(STAFF_OVER, lambda o: {"member_id": o.member.pk, "values": {"phone": "13800001111"}, "reason": "换号"}),
    "dj_learning_api:list_changes": get(SIGNED_IN),  # each sees the changes in their scope
    "dj_learning_api:approve": post(STAFF_OVER, {"comment": ""}, change_id="change"),
    "dj_learning_api:reject": post(STAFF_OVER, {"comment": "x"}, change_id="change"),
    "dj_learning_api:create_token": post(EVERYONE, {"username": "member", "password": PASSWORD}),
    "dj_learning_api:delete_token": delete(SIGNED_IN),
    "dj_learning_api:api-root": get(NOBODY),  # ninja's root: a 404 for everyone
    "dj_learning_api:openapi-json": get(EVERYONE),
    "dj_learning_api:openapi-view": get(EVERYONE),
    "learning_records:list": get(ANY_STAFF),
    "learning_records:add": get({"clerk2", "admin"}),
    "learning_records:detail": get(STAFF_OVER, pk="member"),
    "learning_records:edit": get({"admin"}, pk="member"),
    "learning_records:review": get(ANY_STAFF),
    "learning_records:change": get(STAFF_OVER, pk="change"),
    "learning_records:decide": post(STAFF_OVER, {"decision": "approve"}, pk="change"),
    "learning_records:resubmit": post(STAFF_OVER, {}, pk="change"),
    "learning_records:import": get({"clerk2", "admin"}),
    "learning_records:export": get(ANY_STAFF),
    "learning_lockouts:index": get({"admin"}),
    "learning_lockouts:unlock": post({"admin"}, {"username": "nobody"}),
    # -- orgs -------------------------------------------------------------------------
    "dj_learning_api:list_units": get(SIGNED_IN),
    "dj_learning_api:get_unit": get({"member", "peer", "reviewer", "rreviewer", "admin"}, unit_id="unit"),
    # The audit log: every staff role reads their subtree's entries; only the admin role exports.
    "learning_audit": get(ANY_STAFF),
    "learning_audit_results": get(ANY_STAFF),
    # Wagtail's moderation reports with a region filter: who may edit or publish pages.
    "learning_workflow_report": get({"editor", "admin"}),
    "learning_workflow_report_results": get({"editor", "admin"}),
    "learning_workflow_tasks_report": get({"editor", "admin"}),
    "learning_workflow_tasks_report_results": get({"editor", "admin"}),
    # -- courses ----------------------------------------------------------------------
    "dj_learning:my_study": get(MEMBERS),
    "dj_learning:enrol": post(
        MEMBERS - {"far"}, course_id="course", refused_text="offered to other units"
    ),
    "dj_learning_api:list_courses": get(EVERYONE),  # the public catalogue
    "dj_learning_api:get_course": get(SIGNED_IN, course_id="course"),
    "dj_learning_api:enrol": post(MEMBERS - {"far"}, course_id="course"),  # region 1's course
    "dj_learning_api:get_module": get(MEMBERS, module_id="module"),
    "dj_learning_api:study_heartbeat": post(SIGNED_IN,  # the empty beat fails validation
        {"lesson_id": 0, "client_time": 0}),
    "dj_learning_api:my_plan": get(MEMBERS),
    # -- credits ----------------------------------------------------------------------
    "dj_learning:transcript": get(MEMBERS),
    "dj_learning:transcript_pdf": get(MEMBERS),
    "dj_learning:member_transcript": get({"member"} | STAFF_OVER, member_id="member"),
    "dj_learning:member_transcript_pdf": get({"member"} | STAFF_OVER, member_id="member"),
    "dj_learning_api:my_transcript": get(MEMBERS),
    "dj_learning_api:my_transcript_pdf": get(MEMBERS),
    "dj_learning_api:member_transcript": get({"member"} | STAFF_OVER, member_id="member"),
    "dj_learning_api:member_transcript_pdf": get({"member"} | STAFF_OVER, member_id="member"),
    "dj_learning_api:unit_report": get(STAFF_OVER, unit_id="unit"),
    "learning_verify": get(EVERYONE, code="document"),
    "learning_report": get(ANY_STAFF),
    "learning_report_batch": get(STAFF_OVER, pk="batch"),
    "learning_report_export": get(ANY_STAFF, fmt="csv"),
    "learning_training:index": get(ANY_STAFF),
    "learning_training:index_results": get(ANY_STAFF),
    "learning_training:new": get({"admin"}, member_id="member"),
    "learning_training:decide": post(STAFF_OVER, {"decision": "approve"}, pk="training"),
    "learning_training:proof": get(STAFF_OVER, pk="training"),
    # The admin's snippet choosers of quizzes, kept to the user's regions (orgs.viewsets).
    **{
        f"wagtailsnippetchoosers_learning_quizzes_{model}:{view}": get(CHOOSERS, **kwargs)
        for model in ("question", "questionbank", "questioncategory", "quiz")
        for view, kwargs in (
            ("choose", {}),
            ("choose_results", {}),
            ("chosen", {"pk": model}),
            ("chosen_multiple", {}),
        )
    },
    # -- quizzes ----------------------------------------------------------------------
    "dj_learning:quizzes": get(MEMBERS),
    "dj_learning:quiz": get(MEMBERS, quiz_id="quiz"),
    "dj_learning:quiz_start": post(MEMBERS, quiz_id="quiz"),
    "dj_learning:quiz_attempt": get({"member"}, attempt_id="attempt"),
    "dj_learning:quiz_save": post({"member"}, attempt_id="attempt"),
    "dj_learning:quiz_submit": post({"member"}, attempt_id="attempt"),
    "dj_learning:quiz_result": get({"member"}, attempt_id="attempt"),
    "dj_learning_api:list_quizzes": get(MEMBERS),
    "dj_learning_api:get_quiz": get(MEMBERS, quiz_id="quiz"),
    "dj_learning_api:start_attempt": post(MEMBERS, quiz_id="quiz"),
    "dj_learning_api:get_attempt": get({"member"}, attempt_id="attempt"),
    "dj_learning_api:save_answers": put({"member"}, {"responses": {}}, attempt_id="attempt"),
    "dj_learning_api:submit": post({"member"}, {"responses": {}}, attempt_id="attempt"),
    "dj_learning_api:result": get({"member"}, attempt_id="attempt"),
    "learning_marking": get(ANY_STAFF),
    "learning_mark_answer": post(STAFF_OVER, {"score": "1"}, answer_id="answer"),
    "learning_question_import": get({"admin"}),
    "learning_question_export": get({"admin"}, bank_id="bank", fmt="xlsx"),
    "learning_question_template": get({"admin"}, fmt="xlsx"),
    "learning_quiz_reports": get(ANY_STAFF),
    "learning_quiz_report": get(ANY_STAFF, quiz_id="quiz"),
    "learning_quiz_report_export": get(ANY_STAFF, quiz_id="quiz"),
    # -- rewards ----------------------------------------------------------------------
    "dj_learning:points": get(MEMBERS),
    "dj_learning:points_leaderboard": get(MEMBERS),
    "dj_learning:points_hide": post(MEMBERS),
    "dj_learning:rewards_catalog": get(MEMBERS),
    "dj_learning:rewards_confirm": get(MEMBERS - {"far"}, item_id="item"),
    "dj_learning:rewards_redeem": post(
        MEMBERS - {"far"}, item_id="item", refused_text="not available to you"
    ),
    "dj_learning:rewards_mine": get(MEMBERS),
    "dj_learning_api:my_balance": get(MEMBERS),
    "dj_learning_api:my_history": get(MEMBERS),
    "dj_learning_api:my_leaderboard": get(MEMBERS),
    "dj_learning_api:my_catalog": get(MEMBERS),
    "dj_learning_api:redeem": post(
        MEMBERS - {"far"}, item_id="item", refused_text="not available to you"
    ),
    "dj_learning_api:my_redemptions": get(MEMBERS),
    "dj_learning_api:staff_redemptions": get({"clerk2", "admin"}),  # clerks and admins fulfil
    "dj_learning_api:fulfil": post({"admin"}, {"note": ""}, redemption_id="redemption"),
    "dj_learning_api:cancel": post({"admin"}, {"note": ""}, redemption_id="redemption"),
    "learning_points_redemptions:index": get({"clerk2", "admin"}),
    "learning_points_redemptions:index_results": get({"clerk2", "admin"}),
    "learning_points_redemptions:decide": post({"admin"}, {"decision": "fulfil"}, pk="redemption"),
    "learning_points_items:index": get({"admin"}),
    "learning_points_items:index_results": get({"admin"}),
    "learning_points_items:add": get({"admin"}),
    "learning_points_items:edit": get({"admin"}, pk="item"),
    "learning_points_items:history": get({"admin"}, pk="item"),
    "learning_points_items:history_results": get({"admin"}, pk="item"),
    "learning_points_rules:index": get({"admin"}),
    "learning_points_rules:index_results": get({"admin"}),
    "learning_points_rules:add": get({"admin"}),
    "learning_points_rules:edit": get({"admin"}, pk="rule"),
    "learning_points_rules:delete": get({"admin"}, pk="rule"),
    "learning_points_rules:history": get({"admin"}, pk="rule"),
    "learning_points_rules:history_results": get({"admin"}, pk="rule"),
    "learning_points_awards:index": get({"admin"}),
    "learning_points_awards:index_results": get({"admin"}),
    "learning_points_awards:add": get({"admin"}),
    "learning_points_awards:detail": get({"admin"}, pk="award"),
    "learning_points_awards:progress": get({"admin"}, pk="award"),
    # -- certificates -----------------------------------------------------------------
    "dj_learning:certificates": get(SIGNED_IN),
    "dj_learning:certificate_pdf": get({"member"} | STAFF_OVER, pk="certificate"),
    "dj_learning_api:my_certificates": get(MEMBERS),
    "dj_learning_api:my_certificate_pdf": get({"member"}, certificate_id="certificate"),
    "dj_learning_api:staff_certificates": get(ANY_STAFF),
    # Revoking takes the admin role over the member's unit.
    "dj_learning_api:revoke": post({"admin"}, {"reason": "错发"},
        refused_text="outside your units", certificate_id="certificate"),
    "learning_certificates:index": get(ANY_STAFF),
    "learning_certificates:index_results": get(ANY_STAFF),
    "learning_certificates:detail": get(STAFF_OVER, pk="certificate"),
    "learning_certificates:issue": get({"admin"}),
    "learning_certificates:zip": get(ANY_STAFF),
    "learning_certificates:zip_download": get(STAFF_OVER, pk="certificate_batch"),
    "learning_certificate_templates:index": get({"admin"}),
    "learning_certificate_templates:index_results": get({"admin"}),
    "learning_certificate_templates:add": get({"admin"}),
    "learning_certificate_templates:edit": get({"admin"}, pk="certificate_template"),
    "learning_certificate_templates:history": get({"admin"}, pk="certificate_template"),
    "learning_certificate_templates:history_results": get({"admin"}, pk="certificate_template"),
    "learning_certificate_templates:preview": post({"admin"}),
    "learning_certificate_rules:index": get({"admin"}),
    "learning_certificate_rules:index_results": get({"admin"}),
    "learning_certificate_rules:add": get({"admin"}),
    "learning_certificate_rules:edit": get({"admin"}, pk="issuing_rule"),
    "learning_certificate_rules:delete": get({"admin"}, pk="issuing_rule"),
    "learning_certificate_rules:history": get({"admin"}, pk="issuing_rule"),
    "learning_certificate_rules:history_results": get({"admin"}, pk="issuing_rule"),
    # -- activities -------------------------------------------------------------------
    "dj_learning:activities": get(MEMBERS),
    "dj_learning:activity": get(BRANCH, pk="activity"),
    "dj_learning:activity_checkin": get(BRANCH, pk="activity"),
    "dj_learning:activity_signup": post(BRANCH, pk="activity"),
    "dj_learning:activity_cancel": post(BRANCH, pk="activity"),
    "dj_learning:activity_screen": get(STAFF_OVER, pk="activity"),
    "dj_learning:activity_screen_state": get(STAFF_OVER, pk="activity"),
    "dj_learning:daily_sign_in": post(MEMBERS),
    "dj_learning:volunteer": get(MEMBERS),
    "dj_learning:volunteer_proof": get({"member"} | STAFF_OVER, pk="volunteering"),
    "dj_learning:lobby_board": get(EVERYONE, token="lobby_screen"),  # its secret link
    "dj_learning_api:my_activities": get(MEMBERS),
    "dj_learning_api:signup": post(BRANCH, activity_id="activity"),
    "dj_learning_api:current_code": get(STAFF_OVER, activity_id="activity"),
    "dj_learning_api:checkin": post(BRANCH, {"code": "000000"}, activity_id="activity"),
    "dj_learning_api:daily_sign_in": post(MEMBERS),
    "dj_learning_api:log_volunteer": post(MEMBERS, {"date": "2026-07-01", "hours": "2", "description": "义务劳动"}),
    "dj_learning_api:attach_volunteer_proof": post({"member"}, lambda o: {"proof": pdf_upload()}, volunteering_id="volunteering"),
    "dj_learning_api:my_volunteer": get(MEMBERS),
    "learning_activities:index": get(ANY_STAFF),
    "learning_activities:index_results": get(ANY_STAFF),
    "learning_activities:add": get(ANY_STAFF),
    "learning_activities:edit": get(STAFF_OVER, pk="activity"),
    "learning_activities:delete": get(STAFF_OVER, pk="activity"),
    "learning_activities:history": get(STAFF_OVER, pk="activity"),
    "learning_activities:history_results": get(STAFF_OVER, pk="activity"),
    "learning_activities:attendance": get(STAFF_OVER, pk="activity"),
    "learning_activities:attendance_export": get(STAFF_OVER, pk="activity"),
    "learning_activities:mark": post(STAFF_OVER, pk="activity"),
    "learning_activities:credit": post(STAFF_OVER, pk="activity"),
    "learning_volunteering:index": get(ANY_STAFF),
    "learning_volunteering:index_results": get(ANY_STAFF),
    "learning_volunteering:decide": post(STAFF_OVER, {"decision": "approve"}, pk="volunteering"),
    "learning_volunteering:proof": get(STAFF_OVER, pk="volunteering"),
    "learning_lobby_screens:index": get(ANY_STAFF),
    "learning_lobby_screens:index_results": get(ANY_STAFF),
    "learning_lobby_screens:add": get(ANY_STAFF),
    "learning_lobby_screens:edit": get(STAFF_OVER, pk="lobby_screen"),
    "learning_lobby_screens:history": get(STAFF_OVER, pk="lobby_screen"),
    "learning_lobby_screens:history_results": get(STAFF_OVER, pk="lobby_screen"),
    # -- notifications ----------------------------------------------------------------
    "dj_learning:notifications": get(SIGNED_IN),
    "dj_learning:notification_read": post({"member"}, pk="notification"),
    "dj_learning:notifications_read_all": post(SIGNED_IN),
    "dj_learning:notification_preferences": post(SIGNED_IN),
    "dj_learning_api:my_notifications": get(SIGNED_IN),
    "dj_learning_api:read_one": post({"member"}, notification_id="notification"),
    "dj_learning_api:read_all": post(SIGNED_IN),
    # -- voice ------------------------------------------------------------------------
    "dj_learning:suggestions": get(MEMBERS),
    "dj_learning:suggestions_published": get(MEMBERS),
    "dj_learning:suggestion": get({"member"}, pk="suggestion"),
    "dj_learning:suggestion_publish": post({"member"}, pk="suggestion"),
    "dj_learning:suggestion_attachment": get({"member"} | STAFF_OVER, pk="suggestion"),
    "dj_learning:polls": get(MEMBERS),
    "dj_learning:poll": get(BRANCH, pk="poll"),
    # A module's discussion is its audience's (region 1's course): its editors and the
    # staff of units in the audience read it.
    "dj_learning:discussion": get(SIGNED_IN - {"far"}, pk="module"),
    "dj_learning:discussion_switch": post({"editor", "admin"}, pk="module"),
    # Moderators: staff over the author, and the editors of the course.
    "dj_learning:comment_action": post(STAFF_OVER | {"editor"}, {"action": "hide", "reason": "跑题"},
        pk="comment"),
    "dj_learning_api:create_suggestion": post(MEMBERS, {"title": "建议", "text": "多开党课"}),
    "dj_learning_api:my_suggestions": get(MEMBERS),
    "dj_learning_api:get_suggestion": get({"member"} | STAFF_OVER, suggestion_id="suggestion"),
    "dj_learning_api:reply_suggestion": post(STAFF_OVER, {"text": "收到"}, suggestion_id="suggestion"),
    "dj_learning_api:open_polls": get(MEMBERS),
    "dj_learning_api:get_poll": get(BRANCH | STAFF_OVER, poll_id="poll"),
    "dj_learning_api:respond": post(BRANCH, {"answers": []}, poll_id="poll"),
    "dj_learning_api:poll_results": get(STAFF_OVER, poll_id="poll"),
    "dj_learning_api:module_comments": get(SIGNED_IN - {"far"}, module_id="module"),
    "dj_learning_api:create_comment": post(MEMBERS - {"far"}, {"text": "说得好"}, module_id="module"),
    "dj_learning_api:unknown": get(NOBODY),  # an address no route takes: a 404
    "learning_voice_suggestions:index": get(ANY_STAFF),
    "learning_voice_suggestions:index_results": get(ANY_STAFF),
    "learning_voice_suggestions:summary": get(ANY_STAFF),
    "learning_voice_suggestions:detail": get(STAFF_OVER, pk="suggestion"),
    "learning_voice_suggestions:act": post(STAFF_OVER, {"action": "reply", "text": "收到"}, pk="suggestion"),
    "learning_voice_suggestions:attachment": get(STAFF_OVER, pk="suggestion"),
    "learning_voice_categories:index": get({"admin"}),
    "learning_voice_categories:index_results": get({"admin"}),
    "learning_voice_categories:add": get({"admin"}),
    "learning_voice_categories:edit": get({"admin"}, pk="suggestion_category"),
    "learning_voice_categories:delete": get({"admin"}, pk="suggestion_category"),
    "learning_voice_comments:index": get(ANY_STAFF),
    "learning_voice_comments:index_results": get(ANY_STAFF),
    "learning_voice_polls:index": get(ANY_STAFF),
    "learning_voice_polls:index_results": get(ANY_STAFF),
    "learning_voice_polls:add": get(ANY_STAFF),
    "learning_voice_polls:edit": get(STAFF_OVER, pk="poll"),
    "learning_voice_polls:history": get(STAFF_OVER, pk="poll"),
    "learning_voice_polls:history_results": get(STAFF_OVER, pk="poll"),
    "learning_voice_polls:results": get(STAFF_OVER, pk="poll"),
    # -- themes and embeds ------------------------------------------------------------
    # Without ?model= it is a 404 for all; its permissions are tested in test_themes.py.
    "learning_theme_preview": post(NOBODY),
    "learning_embed:script": get(EVERYONE),
    "learning_embed:widget": get(EVERYONE, name="my-study"),
}
# fmt: on


# -- Routes -------------------------------------------------------------------------------


def _is_ours(pattern, namespaces):
    callback = pattern.callback
    module = getattr(getattr(callback, "view_class", callback), "__module__", "") or ""
    return module.startswith("dj_learning") or bool(
        {"dj_learning", "dj_learning_api"} & set(namespaces)
    )


def routes():
    """``{"namespace:name": pattern}`` of every URL whose view is dj-learning's."""
    found = {}

    def walk(patterns, namespaces):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(
                    pattern.url_patterns,
                    namespaces + ([pattern.namespace] if pattern.namespace else []),
                )
            elif isinstance(pattern, URLPattern) and _is_ours(pattern, namespaces):
                name = ":".join([*namespaces, pattern.name or "?"])
                found[name] = pattern

    walk(get_resolver().url_patterns, [])
    return found


def test_every_route_has_a_row():
    missing = sorted(set(routes()) - set(MATRIX))
    assert not missing, (
        "Routes without a row in the access matrix (tests/test_security_access_matrix.py): "
        + ", ".join(missing)
    )
    stale = sorted(set(MATRIX) - set(routes()))
    assert not stale, "Rows for routes that no longer exist: " + ", ".join(stale)


# -- Objects ------------------------------------------------------------------------------


class Objects:
    """The member's objects each route is asked about, made once per test."""

    def __init__(self):
        from dj_learning.members.models import Member

        self.member = Member.objects.select_related("unit", "user").get(member_number="DH0108")
        self.unit = self.member.unit

    def pk(self, name):
        return getattr(self, f"make_{name}")().pk if name not in ("uid", "token") else name

    def make_member(self):
        return self.member

    def make_unit(self):
        return self.unit

    def make_course(self):
        from dj_learning.courses.models import CoursePage

        return CoursePage.objects.live().first()

    def make_module(self):
        from dj_learning.courses.models import ModulePage

        return ModulePage.objects.live().first()

    def make_change(self):
        from dj_learning.members import records

        records.request_correction(self.member, {"phone": "13800009999"}, "号码换了")
        return self.member.record_changes.latest("pk")

    def make_training(self):
        from django.core.files.base import ContentFile

        from dj_learning.credits import services

        clerk = get_user_model().objects.get(username="clerk")
        return services.propose_training(
            clerk,
            self.member,
            title="党课",
            date=date(2026, 7, 1),
            hours=1,
            kind="elective",
            attachment=ContentFile(b"%PDF-1.4\n%%EOF\n", name="p.pdf"),
        )

    def make_document(self):
        from dj_learning.credits import services

        return services.issue(services.transcript(self.member, 2026))

    def code(self):
        return self.make_document().code

    def make_batch(self):
        from django.core.files.base import ContentFile

        from dj_learning.credits.models import TranscriptBatch

        batch = TranscriptBatch.objects.create(
            unit=self.unit,
            year=2026,
            requested_by=get_user_model().objects.get(username="clerk"),
            status=TranscriptBatch.Status.DONE,
        )
        batch.archive.save("transcripts.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
        return batch

    def make_quiz(self):
        return factories.quiz(kinds=("single", "short"))

    def make_question(self):
        return factories.question("single")

    def make_questionbank(self):
        return factories.question_bank()

    def make_questioncategory(self):
        from dj_learning.quizzes.models import QuestionCategory

        return QuestionCategory.objects.create(bank=factories.question_bank(), path="党史")

    def make_attempt(self):
        from dj_learning.quizzes import services

        return services.start(self.member, self.make_quiz())

    def make_answer(self):
        from dj_learning.quizzes import services
        from dj_learning.quizzes.models import AnswerState, AttemptAnswer

        attempt = self.make_attempt()
        services.submit(self.member, attempt.pk, {"1": "a", "2": "我的回答"})
        # The short answer, waiting for a marker.
        answer = AttemptAnswer.objects.filter(attempt=attempt).order_by("-position").first()
        AttemptAnswer.objects.filter(pk=answer.pk).update(state=AnswerState.PENDING)
        return answer

    def make_bank(self):
        return factories.question_bank(unit=self.unit)

    def make_item(self):
        return factories.catalog_item(unit=self.unit.get_parent(), cost=10, stock=5)

    def make_redemption(self):
        from dj_learning.rewards import services

        factories.points(self.member, 100)
        return services.redeem(self.member, self.make_item().pk)

    def make_rule(self):
        from dj_learning.rewards.models import Action

        return factories.point_rule(unit=self.unit, action=Action.CHECK_IN)

    def make_award(self):
        from dj_learning.rewards.models import TranscriptAward

        return TranscriptAward.objects.create(
            unit=self.unit,
            year=2026,
            criterion=TranscriptAward.Criterion.choices[0][0],
            points=10,
            reason="优秀",
            requested_by=get_user_model().objects.get(username="reviewer"),
        )

    # -- certificates, activities, notifications, voice --

    def make_certificate_template(self):
        from dj_learning.certificates.models import CertificateTemplate

        return CertificateTemplate.objects.create(
            unit=self.unit.get_parent(),
            name="荣誉证书",
            title="荣誉证书",
            body="{name}同志学习优秀。",
            issuer="中共一区委员会组织部",
            number_prefix="YQ",
        )

    def make_issuing_rule(self):
        from dj_learning.certificates.models import IssuingRule

        return IssuingRule.objects.create(
            unit=self.unit, name="达标", template=self.make_certificate_template(), trigger="plan"
        )

    def make_certificate(self):
        from django.core.files.base import ContentFile

        from dj_learning.certificates import services

        certificate = services.issue(self.member, self.make_certificate_template(), key="matrix")[0]
        certificate.pdf.save("c.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
        return certificate

    def make_certificate_batch(self):
        from django.core.files.base import ContentFile

        from dj_learning.certificates.models import CertificateBatch

        batch = CertificateBatch.objects.create(
            unit=self.unit,
            requested_by=get_user_model().objects.get(username="reviewer"),
            status=CertificateBatch.Status.DONE,
        )
        batch.archive.save("certificates.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
        return batch

    def make_activity(self):
        from datetime import timedelta

        from django.utils import timezone

        from dj_learning.activities.models import Activity

        now = timezone.now()
        return Activity.objects.create(
            unit=self.unit,
            title="主题党日",
            place="会议室",
            starts_at=now + timedelta(days=1),
            ends_at=now + timedelta(days=1, hours=2),
            signup=True,
        )

    def make_volunteering(self):
        from datetime import timedelta

        from django.core.files.base import ContentFile
        from django.utils import timezone

        from dj_learning.activities import services

        return services.log_volunteering(
            self.member,
            date=timezone.localdate() - timedelta(days=1),
            hours=2,
            description="义务劳动",
            proof=ContentFile(b"%PDF-1.4\n%%EOF\n", name="v.pdf"),
        )

    def make_lobby_screen(self):
        from dj_learning.activities.models import LobbyScreen

        return LobbyScreen.objects.create(unit=self.unit, name="大厅")

    def make_notification(self):
        from dj_learning.notifications.models import Notification

        return Notification.objects.create(user=self.member.user, kind="test", title="通知")

    def make_suggestion(self):
        from django.core.files.base import ContentFile

        suggestion = factories.suggestion(self.member)
        suggestion.attachment.save("s.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
        return suggestion

    def make_suggestion_category(self):
        from dj_learning.voice.models import SuggestionCategory

        return SuggestionCategory.objects.create(unit=self.unit, name="学习")

    def make_poll(self):
        return factories.poll(unit=self.unit)

    def make_comment(self):
        from dj_learning.voice.models import Comment

        return Comment.objects.create(module=self.make_module(), member=self.member, text="说得好")


def url_for(name, row, objects):
    kwargs = {}
    for key, what in row.kwargs.items():
        if key == "code":
            kwargs[key] = objects.code()
        elif key == "token" and what != "token":
            kwargs[key] = getattr(objects, f"make_{what}")().token
        elif key in ("fmt", "name") or what in ("uid", "token"):
            kwargs[key] = what
        else:
            kwargs[key] = objects.pk(what)
    return reverse(name, kwargs=kwargs)


# -- The outcome ---------------------------------------------------------------------------


def outcome(response, row=None):
    """``"allowed"`` or ``"refused"``, as the person asking would see it."""
    status = response.status_code
    if row is not None and row.refused_text:
        hops = [url for url, _status in getattr(response, "redirect_chain", [])]
        if any("/login/" in url for url in hops):
            return "refused"
        if row.refused_text in response.content.decode():
            return "refused"
    assert status < 500, f"server error {status}"
    if status in (401, 403, 404):
        return "refused"
    if status in (301, 302):
        location = response["Location"]
        if "/login/" in location or "/two-factor/" in location:
            return "refused"
        if location.split("?")[0] == reverse("wagtailadmin_home"):
            return "refused"  # Wagtail's admin answers PermissionDenied so
    if status == 405:
        return "refused"
    return "allowed"


@pytest.fixture
def people(demo_courses):
    from dj_learning.orgs.models import Unit
    from dj_learning.orgs.services import grant_role

    clerk = get_user_model().objects.get(username="clerk")
    branch = Unit.objects.get(code="r1-branch-1")
    peer = factories.member(unit=branch, user=factories.user(username="peer", password=PASSWORD))
    clerk2 = factories.user(username="clerk2", password=PASSWORD, is_staff=clerk.is_staff)
    clerk2.groups.set(Group.objects.filter(user=clerk))
    factories.member(unit=Unit.objects.get(code="r1-branch-2"), user=clerk2)
    grant_role(clerk2, Unit.objects.get(code="r1-branch-2"), "clerk")
    clients = {}
    for role, username in ROLES.items():
        client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
        if username:
            client.force_login(get_user_model().objects.get(username=username))
        clients[role] = client
    assert peer.unit == branch
    return clients


def pdf_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("proof.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def ask(client, row, url, objects):
    body = row.body(objects) if callable(row.body) else row.body
    if row.method == "GET":
        return client.get(url)
    if url.startswith("/api/") and any(hasattr(v, "read") for v in (body or {}).values()):
        return client.post(url, body)  # an upload: multipart
    if url.startswith("/api/"):
        return client.generic(
            row.method,
            url,
            json.dumps(body if body is not None else {}),
            content_type="application/json",
        )
    return client.post(url, body or {}, follow=bool(row.refused_text))


def test_the_access_matrix(people, _fresh_cache):
    objects = Objects()
    checked = 0
    wrong = []
    for name, row in sorted(MATRIX.items()):
        # The route's objects are made once, for every role; each request is rolled back.
        with transaction.atomic():
            url = url_for(name, row, objects)
            for role, client in people.items():
                cookies = copy.deepcopy(client.cookies)  # a sign-out must not carry over
                _fresh_cache()  # nor what one role's request cached
                with transaction.atomic():
                    try:
                        seen = outcome(ask(client, row, url, objects), row)
                    except AssertionError as error:
                        seen = str(error)
                    transaction.set_rollback(True)
                client.cookies = cookies
                expected = "allowed" if role in row.allow else "refused"
                checked += 1
                if seen != expected:
                    wrong.append(
                        f"{name} {row.method} {url} as {role}: {seen}, declared {expected}"
                    )
            transaction.set_rollback(True)
    print(f"access matrix: {checked} route × role pairs checked")
    assert not wrong, "\n".join(wrong)
    assert checked == len(MATRIX) * len(ROLES)
