"""Each region sets its members' language (its theme's "members' language"): member pages
and members' notifications speak it; editors keep their admin language; a member's own
pick with the language switch wins."""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from dj_learning.members.services import member_for
from dj_learning.notifications import notices
from dj_learning.notifications.models import Notification
from dj_learning.notifications.services import notify_many
from dj_learning.orgs.models import Unit, ancestor_paths
from dj_learning.themes.models import RegionTheme

REGION_1, REGION_2 = "127.0.0.1:8000", "localhost:8000"


def speak(region, language):
    theme = RegionTheme.objects.get(site__hostname=region.split(":")[0])
    theme.member_language = language
    theme.save()


def login_page(client, host, **headers):
    return client.get(reverse("dj_learning:login"), HTTP_HOST=host, **headers).content.decode()


def test_each_region_speaks_its_own_language_to_members(client, demo, settings, learning_settings):
    settings.LANGUAGE_CODE = "zh-hans"
    learning_settings(MEMBER_LANGUAGE="zh-hans")  # the regions that set none
    speak(REGION_1, "en")
    chinese_browser = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    assert "Sign in" in login_page(client, REGION_1, **chinese_browser)
    assert "登录" in login_page(client, REGION_2, HTTP_ACCEPT_LANGUAGE="en")
    # The Wagtail admin keeps the site's (or the editor's own) language.
    admin = client.get("/admin/login/", HTTP_HOST=REGION_1, **chinese_browser).content.decode()
    assert "登录" in admin
    # A member who picked Chinese with the switcher reads Chinese in region 1 too.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = login_page(client, REGION_1)
    assert "登录" in html and "Sign in" not in html


def test_a_change_of_the_regions_language_shows_at_once(client, demo, settings):
    """Without a region's language or ``MEMBER_LANGUAGE``, the browser decides."""
    settings.LANGUAGE_CODE = "zh-hans"
    assert "登录" in login_page(client, REGION_1, HTTP_ACCEPT_LANGUAGE="zh-hans")
    speak(REGION_1, "en")
    assert "Sign in" in login_page(client, REGION_1, HTTP_ACCEPT_LANGUAGE="zh-hans")
    speak(REGION_1, "")
    assert "登录" in login_page(client, REGION_1, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_members_notifications_speak_their_regions_language(
    demo, settings, learning_settings, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "zh-hans"
    learning_settings(MEMBER_LANGUAGE="zh-hans")
    users = get_user_model().objects
    member = member_for(users.get(username="member"))

    def region_site(someone):
        chain = Unit.objects.filter(path__in=ancestor_paths(someone.unit.path))
        return chain.exclude(site=None).get().site

    site = region_site(member)
    other = next(
        m
        for m in (member_for(u) for u in users.exclude(username="member"))
        if m and region_site(m) != site
    )
    speak(f"{site.hostname}:8000", "en")
    assert notices.language_for(member.user) == "en"
    assert notices.language_for(other.user) == "zh-hans"

    # A notice to many (a poll's audience across regions): each in their region's language.
    with django_capture_on_commit_callbacks(execute=True):
        notify_many(
            [member.user_id, other.user_id],
            "voice.poll_opened",
            gettext_lazy("A new poll for me"),
            key="test:poll",
        )
    titles = dict(Notification.objects.values_list("user_id", "title"))
    with translation.override("zh-hans"):
        chinese = gettext("A new poll for me")
    assert chinese != "A new poll for me"
    assert titles == {member.user_id: "A new poll for me", other.user_id: chinese}
