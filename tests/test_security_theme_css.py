"""The theme's custom CSS may load files only from the site itself, or data: images."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from wagtail.models import Site

from dj_learning.themes import services
from dj_learning.themes.models import RegionTheme

pytestmark = pytest.mark.django_db

REFUSED = [
    "body{background:url(https://tracker.example/pixel.png)}",
    "body{background:url('http://evil.example/a.png')}",
    'body{background:url("//evil.example/a.png")}',
    "body{background:URL( https://evil.example/a.png )}",
    "body{background:u\\72l(https://evil.example/a.png)}",  # an escaped "r"
    "body{background:url(data:text/html;base64,PHNjcmlwdD4=)}",
    '@font-face{font-family:x;src:url("https://fonts.example/x.woff2")}',
    'body{background:image-set("https://evil.example/a.png" 1x)}',
]
ACCEPTED = [
    "body{background:url(/static/dj_learning/pattern.png)}",
    "body{background:url('/media/images/banner.jpg')}",
    "body{background:url(data:image/png;base64,iVBORw0KGgo=)}",
    ".djl-card{border:1px solid #ccc}",
]


@pytest.mark.parametrize("css", REFUSED)
def test_url_to_another_origin_is_refused_with_a_message(demo, css):
    theme = RegionTheme.objects.get(site__hostname="127.0.0.1")
    theme.custom_css = css
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        theme.full_clean()
    message = " ".join(refused.value.message_dict["custom_css"])
    assert "Custom CSS may" in message


@pytest.mark.parametrize("css", ACCEPTED)
def test_the_sites_own_files_and_data_images_are_accepted(demo, css):
    theme = RegionTheme.objects.get(site__hostname="127.0.0.1")
    theme.custom_css = css
    theme.full_clean()


def test_the_refusal_is_in_chinese_by_default(demo):
    theme = RegionTheme.objects.get(site__hostname="127.0.0.1")
    theme.custom_css = REFUSED[0]
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        theme.full_clean()
    assert "仅能从本站" in " ".join(refused.value.message_dict["custom_css"])


def test_css_written_around_the_form_never_reaches_the_page(demo, client):
    site1 = Site.objects.get(hostname="127.0.0.1")
    RegionTheme.objects.filter(site=site1).update(custom_css=REFUSED[0])
    services.invalidate()
    html = client.get("/", HTTP_HOST="127.0.0.1").content.decode()
    assert "tracker.example" not in html
