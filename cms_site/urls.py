from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.http import Http404
from django.urls import include, path, re_path
from django.views.defaults import page_not_found
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("dj_learning.urls")),
]

if settings.DEBUG:
    urlpatterns += staticfiles_urlpatterns()
    # Public media only: Wagtail documents are served by /documents/ (which checks their
    # privacy), never as raw files; private files live outside MEDIA_ROOT altogether.
    urlpatterns += [
        re_path(r"^media/documents/", page_not_found, {"exception": Http404()}),
        *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
    ]

urlpatterns += [path("", include(wagtail_urls))]
