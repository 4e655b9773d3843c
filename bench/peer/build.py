"""Build the wagtail-lms peer site's data; print what the bench needs as one JSON line.

    DATABASE_URL=... bench/.peer/venv/bin/python build.py --lessons 100 --pool 1500

Run in the peer's environment with this folder as the working directory. It
migrates the (fresh) database, then adds to the default site's root page a
wagtail-lms ``CoursePage`` with ``--lessons`` ``H5PLessonPage`` children, the
content of dj-learning's bench course (module *n* → lesson page *n*, its two
lessons → two rich text paragraphs). Then a member enrolled in the course with
half of the lessons completed (as dj-learning's member has study time in half
the modules), and ``--pool`` members not enrolled, for the enrolment flow: each
with a session in the database, written with ``bulk_create``.
"""

import argparse
import json
import os
import sys
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_settings")


def sessions(users):
    """A ``sessionid`` cookie value per user: sessions written straight to the table."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    store = SessionStore()
    expires = timezone.now() + timedelta(days=1)
    rows = [
        Session(
            session_key=get_random_string(32),
            session_data=store.encode(
                {
                    SESSION_KEY: str(user.pk),
                    BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: user.get_session_auth_hash(),
                }
            ),
            expire_date=expires,
        )
        for user in users
    ]
    Session.objects.bulk_create(rows, batch_size=500)
    return [row.session_key for row in rows]


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--lessons", type=int, default=100)
    parser.add_argument("--pool", type=int, default=1500)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from wagtail.models import Site
    from wagtail_lms.models import CourseEnrollment, CoursePage, H5PLessonCompletion, H5PLessonPage

    call_command("migrate", verbosity=0, interactive=False)
    root = Site.objects.get(is_default_site=True).root_page
    course = root.add_child(instance=CoursePage(title="课程", slug="course", description=""))
    lessons = [
        course.add_child(
            instance=H5PLessonPage(
                title=f"模块{n + 1}",
                slug=f"module-{n + 1}",
                body=[("paragraph", f"<p>第{i + 1}课</p><p>学习内容</p>") for i in range(2)],
            )
        )
        for n in range(args.lessons)
    ]

    User = get_user_model()
    password = make_password("Bench!pass2026")
    member = User.objects.create(username="member", password=password)
    CourseEnrollment.objects.create(user=member, course=course)
    H5PLessonCompletion.objects.bulk_create(
        H5PLessonCompletion(user=member, lesson=lesson) for lesson in lessons[: args.lessons // 2]
    )
    pool = User.objects.bulk_create(
        User(username=f"pool-{n:05d}", password=password) for n in range(args.pool)
    )
    pool = list(User.objects.filter(username__startswith="pool-").order_by("pk"))
    print(
        json.dumps(
            {
                "course_path": course.url,
                "enrol_path": f"/lms/course/{course.pk}/enroll/",
                "member_session": sessions([member])[0],
                "pool_sessions": sessions(pool),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
