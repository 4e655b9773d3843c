"""People by their names, and words told apart: the record history reads
"修改 · 由 李文书 (clerk) …", not "切换 · clerk"."""

import pytest
from django.contrib.auth import get_user_model

from dj_learning.members.models import Member, RecordChange

pytestmark = pytest.mark.django_db
PASSWORD = "Demo!pass2026"


def test_the_record_history_names_people_and_says_change_not_switch(demo, client):
    clerk = get_user_model().objects.get(username="clerk")
    clerk.first_name = "李文书"
    clerk.save()
    near = Member.objects.get(member_number="DH0108")
    RecordChange.objects.create(
        member=near, unit=near.unit, kind="update", changes={"phone": ["1", "2"]},
        reason="换号", requested_by=clerk, status="applied",
    )  # fmt: skip
    from dj_learning.members.services import person_name

    named = person_name(clerk)
    assert named != "clerk" and named.endswith(" (clerk)")
    assert client.login(username="clerk", password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    html = client.get(f"/admin/learning/records/{near.pk}/").content.decode()
    assert named in html
    assert "<strong>修改</strong>" in html and "<strong>切换</strong>" not in html
