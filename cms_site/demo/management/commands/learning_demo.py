import json
from datetime import date
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.models import Page, Site

from cms_site.demo import activities as demo_activities
from cms_site.demo import certificates as demo_certificates
from cms_site.demo import courses, quizzes
from cms_site.demo import rewards as demo_rewards
from cms_site.demo import themes as demo_themes
from cms_site.demo import voice as demo_voice
from cms_site.home.models import HomePage
from dj_learning.courses.models import CoursePage, ModulePage
from dj_learning.members.services import save_member
from dj_learning.orgs.models import Unit
from dj_learning.orgs.services import grant_role, save_unit

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
DEFAULT_FIXTURE = FIXTURES / "demo.json"


class Command(BaseCommand):
    help = "Load the demo data: the org tree, two regional sites and the demo accounts. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--fixture", type=Path, default=DEFAULT_FIXTURE)
        parser.add_argument(
            "--port", type=int, default=8000, help="Port the demo sites are served on."
        )
        parser.add_argument(
            "--without-courses",
            action="store_true",
            help="Load only the org tree, the sites and the accounts.",
        )

    @transaction.atomic
    def handle(self, *args, fixture, port, without_courses, **options):
        data = json.loads(fixture.read_text(encoding="utf-8"))
        for node in data["units"]:
            self._load_unit(node, parent=None, port=port)
        self._remove_wagtail_welcome_page()
        self._staff_group(data["staff_group"])
        self._schedules()
        for account in data["accounts"]:
            self._load_account(account, data["password"])
        demo_themes.load(port)
        demo_rewards.load()
        if apps.is_installed("dj_learning.activities"):
            demo_activities.load()
        demo_voice.load()
        if not without_courses:
            courses.load(fixture.parent)
            quizzes.load(fixture.parent)
            demo_voice.load_comments()
        demo_certificates.load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {Unit.objects.count()} units, "
                f"{Site.objects.count()} sites, {len(data['accounts'])} accounts, "
                f"{CoursePage.objects.count()} courses, {ModulePage.objects.count()} modules."
            )
        )

    def _load_unit(self, node, parent, port):
        site = None
        if "site" in node:
            existing = Unit.objects.filter(code=node["code"]).select_related("site").first()
            site = self._load_site(existing.site if existing else None, node["site"], port)
        unit = save_unit(
            code=node["code"], name=node["name"], kind=node["kind"], parent=parent, site=site
        )
        for child in node.get("children", []):
            self._load_unit(child, parent=unit, port=port)
        return unit

    def _load_site(self, site, spec, port):
        home_spec = spec["home"]
        root = Page.get_first_root_node()
        home = HomePage.objects.filter(depth=2, slug=home_spec["slug"]).first()
        if home is None:
            home = root.add_child(
                instance=HomePage(
                    title=home_spec["title"], slug=home_spec["slug"], intro=home_spec["intro"]
                )
            )
            home.save_revision().publish()
        site = (
            site
            or Site.objects.filter(hostname=spec["hostname"]).first()
            or Site(hostname=spec["hostname"])
        )
        site.hostname = spec["hostname"]
        site.port = port
        site.site_name = spec["site_name"]
        site.root_page = home
        site.is_default_site = spec["default"]
        if site.is_default_site:
            Site.objects.exclude(pk=site.pk).update(is_default_site=False)
        site.save()
        return site

    def _remove_wagtail_welcome_page(self):
        # The page Wagtail's first migration makes, once no site serves it.
        welcome = Page.objects.filter(
            depth=2, slug="home", content_type__model="page", sites_rooted_here__isnull=True
        ).first()
        if welcome is not None:
            welcome.delete()

    def _schedules(self):
        """Reminders every morning, the credit and points ledgers checked nightly, a nightly
        backup, overdue quizzes closed, long jobs left by a dead worker resumed."""
        from datetime import datetime, time, timedelta

        from django.utils import timezone
        from django_q.models import Schedule

        tomorrow = timezone.localdate() + timedelta(days=1)
        for func, name, hour in [
            ("dj_learning.credits.tasks.remind_members_behind", "提醒学习计划未完成的党员", 9),
            ("dj_learning.credits.tasks.backfill_credits", "补记遗漏的学分", 3),
            ("dj_learning.rewards.tasks.check_ledger", "核对积分账与余额", 4),
            ("dj_learning.management.backup.scheduled_backup", "每夜备份", 2),
            ("dj_learning.certificates.tasks.remind_expiring", "提醒即将到期的证书", 8),
            ("dj_learning.activities.tasks.remind_tomorrow", "提醒明天的活动", 18),
        ]:
            Schedule.objects.update_or_create(
                func=func,
                defaults={
                    "name": name,
                    "schedule_type": Schedule.DAILY,
                    "next_run": timezone.make_aware(datetime.combine(tomorrow, time(hour))),
                    "repeats": -1,
                },
            )
        # Quiz attempts past their time limit are graded with what was saved.
        Schedule.objects.update_or_create(
            func="dj_learning.quizzes.tasks.close_overdue_attempts",
            defaults={
                "name": "关闭超时的测验",
                "schedule_type": Schedule.MINUTES,
                "minutes": 5,
                "repeats": -1,
            },
        )
        # Long jobs a dead worker left running are queued again once their claim lapses
        # (the Redis broker does not hand a lost task out again; docs/operations.md).
        for func, name in [
            ("dj_learning.credits.tasks.resume_stalled_batches", "续做中断的成绩单批次"),
            ("dj_learning.rewards.tasks.resume_stalled_awards", "续做中断的按成绩奖励"),
            ("dj_learning.certificates.tasks.resume_stalled_batches", "续做中断的证书批次"),
        ]:
            Schedule.objects.update_or_create(
                func=func,
                defaults={
                    "name": name,
                    "schedule_type": Schedule.MINUTES,
                    "minutes": 10,
                    "repeats": -1,
                },
            )

    def _staff_group(self, name):
        """Clerks and reviewers work in the Wagtail admin; this group lets them in.

        They also mark short answers of quiz attempts, for members in their scope.
        """
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            Permission.objects.get(codename="access_admin"),
            Permission.objects.get(codename="mark_attempt"),
        )

    def _load_account(self, spec, password):
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(username=spec["username"])
        user.first_name = spec.get("first_name", "")
        user.is_superuser = user.is_staff = spec.get("superuser", False)
        if created or not user.check_password(password):
            user.set_password(password)
        user.save()
        for name in spec.get("groups", []):
            group = Group.objects.filter(name=name).first()
            if group is not None:
                user.groups.add(group)
        if member := spec.get("member"):
            save_member(
                user,
                member_number=member["number"],
                name=member["name"],
                unit=Unit.objects.get(code=member["unit"]),
                join_date=date.fromisoformat(member["join_date"]),
                phone=member.get("phone", ""),
                **{
                    key: date.fromisoformat(value) if key.endswith("_date") else value
                    for key, value in member.items()
                    if key
                    in (
                        "gender",
                        "birth_date",
                        "id_number",
                        "position",
                        "education",
                        "full_member_date",
                    )
                },
            )
            if not user.first_name:
                user.first_name = member["name"]
                user.save(update_fields=["first_name"])
        for role, code in spec.get("roles", []):
            grant_role(user, Unit.objects.get(code=code), role)
