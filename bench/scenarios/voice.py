"""Poll results: ``voice.services.results()`` for a poll of four questions (single,
multiple, rating, free text) with 1,000, 10,000 and 100,000 responses.

Responses and their answers are written in bulk (each size adding to the last);
the ballots that say who voted are left out, as ``results()`` only counts them.
Reported: ms per call and the queries of one call, which must not grow with the
responses (the counts are aggregated in the database; a fixed number of free texts
is read).
"""

import random
import time
import uuid

from django.db import connection, transaction

from bench import measure
from dj_learning.test import factories
from dj_learning.voice import services
from dj_learning.voice.models import Answer, Response

TITLE = "Polls: results"
SIZES = (1_000, 10_000, 100_000)
BATCH = 5_000
CALLS = 5


def run(ctx):
    unit = factories.unit(kind="region")
    poll = factories.poll(
        unit=unit,
        questions=(("single", ("甲", "乙", "丙", "丁")), ("multiple", ("早", "中", "晚"), 2),
                   ("rating", ()), ("text", ())),
    )  # fmt: skip
    questions = list(poll.questions.prefetch_related("options"))
    options = [[o.pk for o in q.options.all()] for q in questions]
    rng = random.Random(19)
    results, built = [], 0
    for size in ctx.sizes(SIZES, (20, 50)):
        start = time.perf_counter()
        for first in range(built, size, BATCH):
            count = min(BATCH, size - first)
            with transaction.atomic():
                responses = [Response(id=uuid.uuid4(), poll=poll) for _ in range(count)]
                Response.objects.bulk_create(responses)
                answers = []
                for response in responses:
                    answers.append(Answer(response=response, question=questions[0],
                                          option_id=rng.choice(options[0])))  # fmt: skip
                    for option in rng.sample(options[1], 2):
                        answers.append(
                            Answer(response=response, question=questions[1], option_id=option)
                        )
                    answers.append(
                        Answer(response=response, question=questions[2], rating=rng.randint(1, 5))
                    )
                    answers.append(Answer(response=response, question=questions[3], text="意见"))
                Answer.objects.bulk_create(answers, batch_size=BATCH)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"   (built {size - built} responses in {time.perf_counter() - start:.0f} s)")
        built = size

        def call():
            return services.results(poll)

        if call()["questions"][0]["respondents"] != size:
            raise measure.BenchError("the results do not count every response")
        result = measure.Result(
            "poll results", {"responses": size}, "ms/call", queries=measure.count_queries(call)
        )
        result.samples = [measure.ms_per_call(call, CALLS) for _ in range(ctx.runs)]
        if results:
            result.compare_to(results[0])
        results.append(result)
    return results
