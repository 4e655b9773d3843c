"""Members studying at once, simulated by locust: the load of the bench's ``load`` group.

    python bench/locust_members.py SPEC.json RESULT.json

Run by ``scenarios/load.py`` in its own process: locust patches the standard
library for gevent when it is imported, which the bench's other groups (threads,
database connections) must not see. ``SPEC.json`` says where the site is, whom
to sign in as and what to study; ``RESULT.json`` gets the numbers of each step.

Each simulated member (a locust user, signed in by a session cookie) does what
the module page's script does: a heartbeat every ``interval`` seconds (the first
claims nothing and starts the member's study clock, each later one claims
``interval`` seconds, the study time in between), moving to the next lesson when
the answer says this one is studied. A member waits for each answer, then the
rest of the interval: the server sees at least ``interval`` seconds between two
beats of a member, and each claim is counted whole.

Around its beats, once in a ``cycle`` of beats (80: twenty minutes of study), a
member opens My study and the module page and, on the next three beats, takes
the quiz (start and submit), checks in at the activity with the code the
organizer's screen shows (one more user polls ``screen.json`` as the screen does),
and redeems a reward with the check-in's points (these two once). Members are spread evenly over the cycle: a
step measures members who have been studying for a while, at steady rates (page
openings are 1/80 of the beats), not a crowd opening the site at one moment.

The load goes up in steps (``steps``: members at once); each step spawns the new
members, lets them settle, resets the statistics, and measures ``window``
seconds. The steps stop at the first whose heartbeat p99 is above ``p99_ms`` or
that had a failed request. At the end the members stop before their next beat
and every beat in flight is answered, so the seconds acknowledged are all the
seconds sent.
"""

import itertools
import json
import random
import re
import sys
import time
from http.cookiejar import Cookie
from pathlib import Path

import gevent
from locust import FastHttpUser, constant, events, task
from locust.env import Environment

SPEC = json.loads(Path(sys.argv[1]).read_text()) if __name__ == "__main__" else {}
HOST = "127.0.0.1"

#: The members' cookies, taken one per simulated member as it starts.
cookies = iter(SPEC.get("cookies", []))
#: How many members started, to spread them over the cycle.
arrivals = itertools.count()
#: The check-in code the organizer's screen shows now.
screen = {"code": None}
#: What the members sent and what the server acknowledged.
tally = {
    "beats_ok": 0,
    "seconds_acknowledged": 0,
    "seconds_counted": 0,
    "quizzes": 0,
    "checkins": 0,
    "redemptions": 0,
    "in_flight": 0,
}
#: Every request of the run, the steps' spawning and settling included.
totals = {"requests": 0, "failures": 0, "server_errors": 0}
stopping = False


@events.request.add_listener
def _count(response=None, exception=None, **_kwargs):
    totals["requests"] += 1
    if exception is not None:
        totals["failures"] += 1
        if (getattr(response, "status_code", 0) or 0) >= 500:
            totals["server_errors"] += 1


def _cookie(name, value):
    return Cookie(
        0, name, value, None, False, HOST, False, False, "/", True, False, None, False, None,
        None, {},
    )  # fmt: skip


class SignedIn(FastHttpUser):
    abstract = True
    host = f"http://{HOST}:{SPEC.get('port', 0)}"
    default_headers = {"Accept-Language": "zh-hans"}
    network_timeout = connection_timeout = 60.0

    def sign_in(self, session):
        self.client.cookiejar.set_cookie(_cookie("sessionid", session))
        self.client.cookiejar.set_cookie(_cookie("csrftoken", SPEC["csrf"]))

    def get(self, path, name):
        return self.client.get(path, name=name)

    def post_form(self, path, form, name, *, expect):
        """A form's POST; the redirect's ``Location``, or ``None`` (a failure) unless it
        redirects to a URL with ``expect`` in it (a refusal redirects elsewhere)."""
        form = {**form, "csrfmiddlewaretoken": SPEC["csrf"]}
        with self.client.post(
            path, data=form, name=name, allow_redirects=False, catch_response=True
        ) as response:
            location = response.headers.get("Location") or ""
            if response.status_code != 302 or not re.search(expect, location):
                response.failure(f"status {response.status_code} to {location!r}, not {expect}")
                return None
            return location


class Screen(SignedIn):
    """The organizer's check-in screen: it polls the code, as ``screen.js`` does."""

    fixed_count = 1
    wait_time = constant(5)

    def on_start(self):
        self.sign_in(SPEC["organizer"])
        self.poll()

    @task
    def poll(self):
        # Like the screen's script: with the code it shows, the answer leaves the QR code out.
        response = self.get(f"{SPEC['screen_url']}?have={screen['code'] or ''}", "screen.json")
        if response.status_code == 200:
            screen["code"] = response.json()["code"]


class StudyingMember(SignedIn):
    """A member studying a module: a heartbeat every ``interval`` seconds, and once in a
    ``cycle`` of beats the pages and actions around it (see the module's docstring)."""

    wait_time = constant(0)  # the task paces itself

    def on_start(self):
        self.sign_in(next(cookies))
        self.lesson = 0
        self.beats = 0
        self.claim = 0
        self.checked_in = self.redeemed = False
        # Members are spread over the cycle, so that each step sees steady rates.
        self.phase = next(arrivals) % SPEC["cycle"]
        gevent.sleep(random.uniform(0, SPEC["interval"]))

    @task
    def study(self):
        if stopping:
            gevent.sleep(3600)  # stopped between beats: nothing in flight, nothing lost
            return
        # Where the member is in its cycle: the pages, then the quiz, the check-in and
        # the redemption on the beats after them.
        at = (self.beats + self.phase) % SPEC["cycle"]
        if at == 0:  # (re)opens My study and the module page
            self.get("/learning/my/", "My study")
            self.get(SPEC["module_url"], "module page")
        answered = self.beat()
        self.beats += 1
        if at == 1:
            self.take_quiz()
        elif at == 2 and not self.checked_in:  # once: a second check-in is refused
            self.checked_in = self.check_in()
        elif at == 3 and self.checked_in and not self.redeemed:  # once, with its points
            self.redeemed = self.redeem()
        gevent.sleep(max(0.0, answered + SPEC["interval"] - time.monotonic()))

    def beat(self):
        body = {
            "module": SPEC["module_id"],
            "lesson": SPEC["lessons"][self.lesson % len(SPEC["lessons"])],
            "seconds": self.claim,
        }
        tally["in_flight"] += 1
        try:
            with self.client.post(
                "/api/v1/study/heartbeat",
                json=body,
                headers={"X-CSRFToken": SPEC["csrf"]},
                name="heartbeat",
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    # The page keeps the seconds and sends them with the next beat.
                    response.failure(f"status {response.status_code}")
                    self.claim += SPEC["interval"]
                    return time.monotonic()
                result = response.json()
        finally:
            tally["in_flight"] -= 1
        tally["beats_ok"] += 1
        tally["seconds_acknowledged"] += self.claim
        tally["seconds_counted"] += result["counted"]
        self.claim = SPEC["interval"]  # the study time until the next beat
        if result["studied"]:
            self.lesson += 1
        return time.monotonic()

    def take_quiz(self):
        location = self.post_form(
            SPEC["quiz_start_url"], {}, "quiz: start", expect=r"/attempts/\d+/$"
        )
        if location is None:
            return
        attempt = re.search(r"/attempts/(\d+)/", location).group(1)
        submit = f"/learning/quizzes/attempts/{attempt}/submit/"
        if self.post_form(submit, SPEC["answers"], "quiz: submit", expect="/result/$"):
            tally["quizzes"] += 1

    def check_in(self):
        code = {"code": screen["code"]}
        if self.post_form(SPEC["checkin_url"], code, "check-in", expect=r"/activities/\d+/$"):
            tally["checkins"] += 1
            return True
        return False

    def redeem(self):
        # A refusal (not enough points, no stock) redirects to the catalog instead.
        if self.post_form(SPEC["redeem_url"], {}, "redeem", expect="/rewards/mine/$"):
            tally["redemptions"] += 1
            return True
        return False


def _stats(env, window):
    stats = env.stats
    beats = stats.get("heartbeat", "POST")
    total = stats.total
    requests = {
        f"{entry.method} {entry.name}": {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "median_ms": entry.median_response_time,
            "p99_ms": entry.get_response_time_percentile(0.99),
        }
        for entry in stats.entries.values()
    }
    return {
        "heartbeats": beats.num_requests,
        "heartbeats_per_s": beats.num_requests / window,
        "heartbeat_p50_ms": beats.median_response_time if beats.num_requests else None,
        "heartbeat_p99_ms": beats.get_response_time_percentile(0.99)
        if beats.num_requests
        else None,
        "requests_per_s": total.num_requests / window,
        "failures": total.num_failures,
        "errors": [
            f"{e.method} {e.name}: {e.error} ×{e.occurrences}" for e in stats.errors.values()
        ],
        "requests": requests,
    }


def _wait_for_spawn(runner, users, limit):
    deadline = time.monotonic() + limit
    while runner.user_count < users and time.monotonic() < deadline:
        gevent.sleep(0.5)
    return runner.user_count


def main():
    global stopping
    env = Environment(user_classes=[StudyingMember, Screen], events=events)
    runner = env.create_local_runner()
    steps = []
    results = {"steps": steps, "tally": tally}
    began = time.monotonic()
    for members in SPEC["steps"]:
        users = members + 1  # and the screen
        new = users - runner.user_count
        rate = SPEC["spawn_rate"]  # each member waits up to an interval before its first beat
        runner.start(users, spawn_rate=rate)
        spawned = _wait_for_spawn(runner, users, limit=new / rate + 120)
        gevent.sleep(SPEC["settle"])
        env.stats.reset_all()
        window_began = time.monotonic()
        gevent.sleep(SPEC["window"])
        window = time.monotonic() - window_began
        step = {"members": spawned - 1, "window_s": window, **_stats(env, window)}
        steps.append(step)
        print(
            f"   load: {step['members']} members, {step['heartbeats_per_s']:.1f} beats/s, "
            f"p99 {step['heartbeat_p99_ms']} ms, {step['requests_per_s']:.1f} req/s, "
            f"{step['failures']} failures",
            flush=True,
        )
        if step["failures"] or (step["heartbeat_p99_ms"] or 0) > SPEC["p99_ms"]:
            break
    stopping = True
    deadline = time.monotonic() + SPEC["interval"] + 90
    while tally["in_flight"] and time.monotonic() < deadline:
        gevent.sleep(0.2)
    results["in_flight_at_stop"] = tally["in_flight"]
    results["totals"] = totals
    runner.quit()
    results["seconds"] = time.monotonic() - began
    Path(sys.argv[2]).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
