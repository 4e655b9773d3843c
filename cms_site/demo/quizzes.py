"""Demo question bank, a quiz on a required module and a yearly exam.

The questions come from ``fixtures/questions.gift`` through the same importer
editors use (``learning_import_questions``); quizzes are made with the
quizzes app's services. Keyed on names and modules, so loading twice changes
nothing.
"""

from pathlib import Path

from dj_learning.courses.models import ModulePage
from dj_learning.courses.services import study_year, year_bounds
from dj_learning.quizzes import services
from dj_learning.quizzes.importing import import_questions
from dj_learning.quizzes.models import Question, QuestionBank, QuestionCategory, Quiz

BANK = "党员学习题库"
QUIZ_MODULE = "new-development-philosophy"
# Right answers at different positions (the third option, the fourth, "false", a blank),
# and options shuffled per attempt: answering one position everywhere does not pass.
QUIZ_QUESTIONS = ["新发展理念-01", "新发展理念-02", "新发展理念-06", "新发展理念-08"]


def load(fixtures_dir: Path):
    bank = QuestionBank.objects.filter(name=BANK).first()
    if bank is None or not bank.questions.exists():
        path = fixtures_dir / "questions.gift"
        import_questions(path.name, path.read_bytes(), bank_name=BANK)
        bank = QuestionBank.objects.get(name=BANK)
    questions = {q.name: q for q in Question.objects.filter(bank=bank, name__in=QUIZ_QUESTIONS)}
    # Every region's copy of the module gets its quiz: the module completes
    # only when its lessons are studied and the quiz is passed.
    for module in ModulePage.objects.filter(slug=QUIZ_MODULE):
        if not Quiz.objects.filter(module=module).exists():
            services.create_quiz(
                f"{module.title} · 随堂测验",
                questions=[questions[name] for name in QUIZ_QUESTIONS],
                module=module,
                intro="学完本模块的课程后参加测验，60分及格，可以考三次，取最高分。",
                pass_percent=60,
                attempts_allowed=3,
                time_limit_minutes=15,
                shuffle_questions=False,
            )
    year = study_year()
    title = f"{year}年度党员学习考试"
    if not Quiz.objects.filter(title=title, module__isnull=True).exists():
        opens, closes = year_bounds(year)
        categories = QuestionCategory.objects.filter(bank=bank).order_by("path")
        services.create_quiz(
            title,
            draws=[(category, 5) for category in categories],
            intro="从题库各类别中随机抽题，限时60分钟，只能考一次；简答题由人工评分。",
            opens_at=opens,
            closes_at=closes,
            pass_percent=60,
            attempts_allowed=1,
            time_limit_minutes=60,
            review="after_close",
        )
