"""Live sessions over HTTP: the answer spike, the display delay, and a room of 300 phones.

Phones follow the session as the browser does: a server-sent event stream (reconnecting with
the last revision when it ends), or, when the server declines it, polling the state fragment
every second (with the revision they show). The trainer's screen polls its panel every second
and clicks the buttons.
"""

import asyncio
import contextlib
import random
import re
import time
from datetime import timedelta

from flask import url_for
from sqlalchemy import func, insert, select

from benchmarks.harness import (
    FAILED,
    Client,
    Server,
    Tally,
    announce_load,
    connections,
    migrated_app,
    percentile,
    result,
    send,
    signed_in,
)
from lms.auth import service as accounts
from lms.auth.models import User, cohort_coaches
from lms.catalog import queries as catalog
from lms.catalog.models import Module, Quiz
from lms.extensions import db
from lms.live import service as live_service
from lms.live.models import LiveParticipant, LiveSession
from lms.quiz.models import Answer, AttemptSlot
from lms.timeutil import utcnow
from lms.xapi.statements import XapiConfig

MODULE = "C2"  # the unit with the most single-choice questions
ROOM = 300
SPIKE = 200
ROOM_SECONDS = 30
POLL_EVERY = 1.0
REVISION = re.compile(rb'data-revision="(\d+)"')
GOALS = {"live_spike": 250, "live_display": 500, "live_room_300": 300}
BASELINES = {"live_spike": 3300, "live_display": 3100, "live_room_300": 3200}


def _room(app, coaches: int) -> dict:
    """A trainer, a cohort of ``coaches`` coaches and two open live sessions: SPIKE of them
    joined the first, ROOM the second."""
    with app.app_context():
        session = db.session
        trainer = accounts.create_user(
            session, email="trainer@bench.example.org", display_name="Trainer", role="trainer"
        )
        cohort = accounts.create_cohort(session, "Live room")
        accounts.assign_trainer(cohort, trainer)
        session.flush()
        now = utcnow()
        session.execute(
            insert(User),
            [
                {
                    "email": f"phone{n:03d}@bench.example.org",
                    "display_name": f"Phone {n:03d}",
                    "role": "coach",
                    "language": "fr",
                    "active": True,
                    "created_at": now,
                }
                for n in range(coaches)
            ],  # fmt: skip
        )
        coach_ids = list(
            session.scalars(select(User.id).where(User.role == "coach").order_by(User.id))
        )
        session.execute(
            insert(cohort_coaches), [{"cohort_id": cohort.id, "user_id": i} for i in coach_ids]
        )
        session.expire(cohort)
        module = session.scalar(select(Module).where(Module.code == MODULE))
        quiz = session.scalar(select(Quiz).where(Quiz.module_code == MODULE))
        versions = [
            v
            for v in catalog.current_question_versions(session, MODULE)
            if v.definition["type"] == "single_choice"
        ]
        xapi = XapiConfig(app.config["BASE_IRI"])
        lives = []
        for title, joining in (("Display and spike", SPIKE), ("Room", ROOM)):
            live = live_service.schedule(
                session, trainer=trainer, cohort=cohort, quiz=quiz, module=module,
                scheduled_at=now + timedelta(minutes=5), versions=versions, title=title,
            )  # fmt: skip
            live_service.open_session(session, live)
            for coach_id in coach_ids[:joining]:
                live_service.join(
                    session, live, user=session.get(User, coach_id), cohort=cohort, quiz=quiz,
                    xapi=xapi,
                )  # fmt: skip
            lives.append(live.id)
        options = [[o["id"] for o in v.definition["options"]] for v in versions]
        trainer_id = trainer.id
        session.commit()
        db.session.remove()
    return {
        "lives": lives,
        "options": options,
        "trainer": signed_in(app, trainer_id),
        "coaches": [signed_in(app, i) for i in coach_ids],
    }


VIEWS = {
    "live_state": "coach_live.state",
    "live_events": "coach_live.events",
    "live_answer": "coach_live.answer",
    "live_panel": "trainer_live.panel",
    "live_action": "trainer_live.action",
}


def _paths(app, live_id: int) -> dict[str, str]:
    with app.test_request_context():
        return {name: url_for(endpoint, live_id=live_id) for name, endpoint in VIEWS.items()}


class Room:
    """Phones polling one live session while the trainer acts; every latency is recorded."""

    def __init__(self, server: Server, paths: dict, revision: int, options: list[list[str]]):
        self.server, self.paths, self.options = server, paths, options
        # A stream and an answer at once per phone, the trainer's screens besides.
        self.pool = connections(2 * ROOM + 20)
        self.revision, self.position = revision, 0
        self.clicks: dict[int, float] = {}  # revision → when the trainer clicked
        self.polls, self.panels, self.actions, self.answers = [], [], [], []
        self.display: list[float] = []
        self.tally = Tally()
        self.saved = 0  # answers the server accepted: each must be stored
        self.streams = {"opened": 0, "declined": 0, "events": 0, "broken": 0}
        self.running = True

    def client(self, auth) -> Client:
        return self.server.client(self.pool, *auth)

    def _shown(self, shown: int, seen: int, now: float) -> int:
        for revision in range(shown + 1, seen + 1):
            if revision in self.clicks:
                self.display.append(now - self.clicks[revision])
        return max(shown, seen)

    async def phone(self, client: Client) -> None:
        """Follow by the event stream while the server grants one, then by polling."""
        shown = self.revision
        await asyncio.sleep(random.random() * POLL_EVERY)
        while self.running:
            try:
                shown, granted = await self._stream(client, shown)
            except FAILED as error:  # the server cut the stream short: a failed request
                self.streams["broken"] += 1
                self.tally.failed(f"events broken: {type(error).__name__}")
                granted = True
            if not granted:
                break
            await asyncio.sleep(1.0)  # the browser's reconnection delay (retry: 1000)
        await self._poll(client, shown)

    async def _stream(self, client: Client, shown: int) -> tuple[int, bool]:
        """One stream until the server ends it: (revision shown, whether it was granted)."""
        url, headers = self.paths["live_events"], {"Last-Event-ID": str(shown)}
        async with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 204:
                self.streams["declined"] += 1
                return shown, False
            if response.status_code != 200:
                self.tally.failed(f"events {response.status_code}")
                return shown, False
            self.streams["opened"] += 1
            event_id = None
            async for line in response.aiter_lines():
                if line.startswith("id: "):
                    event_id = int(line[4:])
                elif not line and event_id is not None:  # the whole event has arrived
                    self.streams["events"] += 1
                    shown, event_id = self._shown(shown, event_id, time.perf_counter()), None
        return shown, True

    async def _poll(self, client: Client, shown: int) -> None:
        while self.running:
            started = time.perf_counter()
            params = {"revision": shown}
            response = await send(
                client, "GET", self.paths["live_state"], self.tally, params=params
            )
            now = time.perf_counter()
            self.polls.append(now - started)
            if response is not None and response.status_code == 200:
                found = REVISION.search(response.content)
                shown = self._shown(shown, int(found.group(1)) if found else shown, now)
            elif response is not None and response.status_code != 204:
                self.tally.failed(f"state {response.status_code}")
            await asyncio.sleep(max(0.0, POLL_EVERY - (time.perf_counter() - started)))

    async def panel(self, client: Client) -> None:
        while self.running:
            started = time.perf_counter()
            params = {"revision": self.revision}
            response = await send(
                client, "GET", self.paths["live_panel"], self.tally, params=params
            )
            self.tally.expect("panel", response)
            self.panels.append(time.perf_counter() - started)
            await asyncio.sleep(max(0.0, POLL_EVERY - (time.perf_counter() - started)))

    async def act(self, client: Client, action: str) -> None:
        """A click: the POST and the control page it leads to, as the browser loads them."""
        started = time.perf_counter()
        self.clicks[self.revision + 1] = started
        data = {"action": action, "revision": self.revision}
        response = await send(
            client, "POST", self.paths["live_action"], self.tally, data=data, follow_redirects=True
        )
        self.actions.append(time.perf_counter() - started)
        if self.tally.expect(action, response):
            self.revision += 1
            self.position += action == "next"

    async def answer(self, client: Client, within: float) -> None:
        await asyncio.sleep(random.random() * within)
        position = self.position
        started = time.perf_counter()
        response = await send(
            client, "POST", self.paths["live_answer"], self.tally,
            data={f"q{position}": random.choice(self.options[position - 1])},
            headers={"HX-Request": "true"},
        )  # fmt: skip
        self.saved += self.tally.expect("answer", response)
        self.answers.append(time.perf_counter() - started)


@contextlib.asynccontextmanager
async def _polling(room: Room, plan: dict, phones: int, *, panel: bool):
    """``phones`` phones (and the trainer's panel) polling until the block ends;
    yields (phones' clients, the trainer's client)."""
    async with room.pool:
        clients = [room.client(auth) for auth in plan["coaches"][:phones]]
        screen, trainer = room.client(plan["trainer"]), room.client(plan["trainer"])
        tasks = [asyncio.create_task(room.phone(c)) for c in clients]
        if panel:
            tasks.append(asyncio.create_task(room.panel(screen)))
        try:
            yield clients, trainer
        finally:
            room.running = False
            for task in tasks:
                task.cancel()  # a phone waiting on its stream stops now
            await asyncio.gather(*tasks, return_exceptions=True)


async def _display_and_spike(server, paths, revision, plan) -> dict:
    room = Room(server, paths, revision, plan["options"])
    async with _polling(room, plan, SPIKE, panel=False) as (phones, trainer):
        await asyncio.sleep(3)
        for _ in range(2):  # two questions shown: 2 × SPIKE display delays
            await room.act(trainer, "next")
            await asyncio.sleep(3)
        polls_before = len(room.polls)
        errors_before = room.tally.errors
        await asyncio.gather(*(room.answer(c, 1.0) for c in phones))
        await asyncio.sleep(1)
    return {
        "display_p95_ms": percentile(room.display, 0.95) * 1000,
        "display_p50_ms": percentile(room.display, 0.5) * 1000,
        "displays": len(room.display),
        "answer_p95_ms": percentile(room.answers, 0.95) * 1000,
        "answer_p50_ms": percentile(room.answers, 0.5) * 1000,
        "answers": len(room.answers),
        "spike_errors": room.tally.errors - errors_before,
        "errors": room.tally.errors,
        "failures": dict(room.tally.failures),
        "answers_accepted": room.saved,
        "reset_connections": room.tally.resets,
        "poll_p95_ms_during_spike": percentile(room.polls[polls_before:], 0.95) * 1000,
        "polls": len(room.polls),
        "streams": room.streams,
    }


async def _room_300(server, paths, revision, plan) -> dict:
    room = Room(server, paths, revision, plan["options"])
    async with _polling(room, plan, ROOM, panel=True) as (phones, trainer):
        started = time.perf_counter()
        await asyncio.sleep(2)
        cpu, measured = server.cpu_seconds(), time.perf_counter()
        polls_at_start = len(room.polls)
        while time.perf_counter() - started < ROOM_SECONDS and room.position < len(plan["options"]):
            await room.act(trainer, "next")
            await asyncio.gather(*(room.answer(c, 1.5) for c in phones))
            await room.act(trainer, "reveal")
            await asyncio.sleep(2)
        cpu, measured = server.cpu_seconds() - cpu, time.perf_counter() - measured
        polls = len(room.polls) - polls_at_start
    return {
        "action_p95_ms": percentile(room.actions, 0.95) * 1000,
        "actions": len(room.actions),
        "poll_p95_ms": percentile(room.polls, 0.95) * 1000,
        "panel_p95_ms": percentile(room.panels, 0.95) * 1000,
        "answer_p95_ms": percentile(room.answers, 0.95) * 1000,
        "server_cpu_ms_per_request": cpu * 1000 / max(1, polls + len(room.answers)),
        "server_cpu_percent": 100 * cpu / measured,
        "polls": polls,
        "streams": room.streams,
        "errors": room.tally.errors,
        "failures": dict(room.tally.failures),
        "answers_accepted": room.saved,
        "reset_connections": room.tally.resets,
    }


def _answers_stored(app, live_id: int) -> int:
    """The answers stored in the session's attempts."""
    query = (
        select(func.count(Answer.id))
        .join(AttemptSlot, AttemptSlot.id == Answer.slot_id)
        .join(LiveParticipant, LiveParticipant.attempt_id == AttemptSlot.attempt_id)
        .where(LiveParticipant.live_session_id == live_id)
    )
    with app.app_context():
        try:
            return db.session.scalar(query)
        finally:
            db.session.remove()


def measure(databases) -> dict:
    url = databases.new("live")
    app = migrated_app(url)
    plan = _room(app, ROOM)
    revisions = {}
    with app.app_context():
        for live_id in plan["lives"]:
            revisions[live_id] = db.session.get(LiveSession, live_id).revision
        db.session.remove()
    display_live, room_live = plan["lives"]
    with Server(url) as server:
        spike_load = announce_load("live display and spike")
        spike = asyncio.run(
            _display_and_spike(server, _paths(app, display_live), revisions[display_live], plan)
        )
        # The spike's phones are gone, but the server learns it only at a stream's next write,
        # at the latest when the stream's time is up: until then their streams hold the slots
        # the room's phones need (each worker serves LIVE_STREAMS), and most would poll.
        time.sleep(app.config["LIVE_STREAM_SECONDS"] + 2)
        room_load = announce_load("live room of 300")
        room = asyncio.run(_room_300(server, _paths(app, room_live), revisions[room_live], plan))
    spike["load_average"], room["load_average"] = spike_load, room_load
    for part, live_id in ((spike, display_live), (room, room_live)):
        part["answers_stored"] = _answers_stored(app, live_id)
        part["all_stored"] = part["answers_stored"] == part["answers_accepted"]
    with app.app_context():
        db.engine.dispose()
    return {"spike": spike, "room": room}


def figures(by_backend: dict[str, dict]) -> list[dict]:
    def figure(name: str, part: str, key: str, **details) -> dict:
        parts = {backend: m[part] for backend, m in by_backend.items()}
        worst = max(m[key] for m in parts.values())
        return result(name, worst, "ms", GOALS[name], BASELINES[name], **details, **parts)

    spike_errors = sum(m["spike"]["spike_errors"] for m in by_backend.values())
    return [
        figure("live_spike", "spike", "answer_p95_ms", phones=SPIKE, errors=spike_errors),
        figure("live_display", "spike", "display_p95_ms", phones=SPIKE, poll_every_s=POLL_EVERY),
        figure("live_room_300", "room", "action_p95_ms", phones=ROOM, seconds=ROOM_SECONDS),
    ]
