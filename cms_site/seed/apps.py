from django.apps import AppConfig, apps


class SeedConfig(AppConfig):
    name = "cms_site.seed"
    label = "cms_seed"
    verbose_name = "Seed data"

    def ready(self):
        from . import courses, credits, members, orgs
        from .seeder import Stage, seeders

        # Orders leave room between them for a site's own seeders.
        seeders.register("orgs", Stage("org tree", orgs.seed_units), order=100)
        seeders.register("courses", Stage("courses", courses.seed_courses), order=200)
        seeders.register("plans", Stage("study plans", courses.seed_plans), order=300)
        seeders.register("members", Stage("members", members.seed_members), order=400)
        seeders.register("study", Stage("study and completions", courses.seed_study), order=500)
        seeders.register("credits", Stage("credits", credits.seed_credits), order=600)
        if apps.is_installed("dj_learning.quizzes"):
            from . import quizzes

            seeders.register("quizzes", Stage("quiz attempts", quizzes.seed_quizzes), order=700)
        if apps.is_installed("dj_learning.rewards"):
            from . import rewards

            seeders.register(
                "rewards", Stage("points and redemptions", rewards.seed_points), order=800
            )
        if apps.is_installed("dj_learning.activities"):
            from . import activities

            seeders.register(
                "activities",
                Stage("activities and attendance", activities.seed_activities),
                order=850,
            )
