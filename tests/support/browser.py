"""A real server on a free port and a real Chromium driven by Playwright."""

import os
import re
import shutil
import threading
from functools import cache
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from lms.auth import service as accounts
from lms.auth.models import Cohort
from lms.catalog.service import load_content
from lms.catalog.validation import validate_tree
from lms.config import DEFAULT_CONTENT_ROOT
from lms.demo import DEMO_COHORT, DEMO_PASSWORD, seed_demo
from lms.extensions import db
from lms.quiz import types
from lms.quiz.models import Attempt
from lms.quiz.types import QUESTION_TYPES
from tests.support.app import build_app
from tests.support.postgres import unavailable

CHROMIUM = os.environ.get("LMS_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Axe()
# Extra coaches of the demo cohort, so that tests do not share attempts.
EXTRA_COACHES = [f"coach{n}@example.org" for n in range(3, 11)]


class LiveServer:
    """The application served by werkzeug in a thread, on its own SQLite database."""

    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # Links in e-mails and join codes are built from the public URL, which is this server.
        app.config["BASE_URL"] = self.url
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=10)
        with self.app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    app = build_app(f"sqlite:///{tmp_path_factory.mktemp('live') / 'lms.sqlite3'}")
    with app.app_context():
        seed_demo(db.session)
        db.session.commit()
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# Phones as Playwright's mobile contexts emulate them: the page may widen the layout viewport,
# so overflow shows as a document wider than the screen, not as a wider window.
PHONES = {"360x740": (360, 740, 3), "390x844": (390, 844, 3)}


def _new_page(browser, request, locale: str, phone: str | None = None):
    if phone is None:
        options = {"viewport": {"width": 1280, "height": 900}}
    else:
        width, height, scale = PHONES[phone]
        options = {
            "viewport": {"width": width, "height": height},
            "screen": {"width": width, "height": height},
            "is_mobile": True,
            "has_touch": True,
            "device_scale_factor": scale,
        }
    context = browser.new_context(locale=locale, **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    request.node.pages = [*getattr(request.node, "pages", []), page]
    return context, page


@pytest.fixture
def new_page(browser, request):
    """Factory of pages, each in a fresh browser context (own cookies), closed after the test."""
    contexts = []

    def factory(locale: str = "fr-FR", phone: str | None = None):
        context, page = _new_page(browser, request, locale, phone)
        contexts.append(context)
        return page

    yield factory
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        for number, page in enumerate(getattr(request.node, "pages", [])):
            if not page.is_closed():
                page.screenshot(path=str(ARTIFACTS / f"{name}-{number}.png"), full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@cache
def _report():
    return validate_tree(DEFAULT_CONTENT_ROOT, question_types=QUESTION_TYPES)


@pytest.fixture(scope="module")
def content_server(tmp_path_factory):
    """The application with the demo accounts and the seven modules, on a free port."""
    from tests.support.app import build_app

    app = build_app(f"sqlite:///{tmp_path_factory.mktemp('coach') / 'lms.sqlite3'}")
    with app.app_context():
        seed_demo(db.session)
        cohort = db.session.scalar(select(Cohort).where(Cohort.name == DEMO_COHORT))
        for number, email in enumerate(EXTRA_COACHES, start=3):
            user = accounts.create_user(
                db.session, email=email, display_name=f"Coach {number}", role="coach",
                language="fr", password=DEMO_PASSWORD,
            )  # fmt: skip
            accounts.enrol_coach(cohort, user)
        load_content(db.session, _report())
        db.session.commit()
    server = LiveServer(app).start()
    yield server
    server.stop()


def check_accessible(page, name: str) -> None:
    """axe-core on the page as it is: no serious or critical violation."""
    results = AXE.run(page)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    if bad:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"axe-{name}.png"), full_page=True)
    assert bad == [], f"axe on {name}: {bad}"


def log_in(page, server, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{server.url}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def in_app(server, function):
    """Run ``function(session)`` against the server's database and return its result."""
    with server.app.app_context():
        try:
            result = function(db.session)
            db.session.commit()
            return result
        finally:
            db.session.remove()


def slots_of(server, attempt_id: int) -> list[tuple[int, dict, list | None]]:
    def read(session):
        attempt = session.get(Attempt, attempt_id)
        return [(s.position, s.question_version.definition, s.option_order) for s in attempt.slots]

    return in_app(server, read)


def answers_of(server, attempt_id: int) -> dict[int, object]:
    def read(session):
        attempt = session.get(Attempt, attempt_id)
        return {s.position: s.answer.raw for s in attempt.slots if s.answer is not None}

    return in_app(server, read)


def attempt_id_of(page) -> int:
    return int(re.search(r"/attempts/(\d+)", page.url).group(1))


def answer(page, position: int, definition: dict, lang: str = "fr", correct: bool = True) -> None:
    """Answer like a person: click the labels, type, choose in the lists (keyboard-reachable)."""
    question = page.locator(f"#question-{position}")
    kind, key = definition["type"], types.correct_response(definition)
    if kind in ("single_choice", "multiple_response"):
        options = {o["id"]: o["text"][lang] for o in definition["options"]}
        chosen = key if kind == "multiple_response" else [key]
        if not correct:
            chosen = [next(i for i in options if i not in chosen)]
        for option_id in chosen:
            question.get_by_label(options[option_id], exact=True).check()
    elif kind == "true_false":
        value = key if correct else not key
        question.get_by_label(
            {True: "Vrai", False: "Faux"}[value]
            if lang == "fr"
            else {True: "True", False: "False"}[value],
            exact=True,
        ).check()
    elif kind == "short_answer":
        question.locator("input[type=text]").fill(definition["answers"][0]["text"])
    elif kind == "numerical":
        question.locator("input[type=text]").fill(
            types.format_number(definition["answers"][0]["value"]).replace(".", ",")
        )
    elif kind == "essay":
        question.locator("textarea").fill("Mon avant-projet : objectifs, partenaires, calendrier.")
    elif kind == "matching":
        rights = {p["id"]: p["right"][lang] for p in definition["pairs"]}
        for pair in definition["pairs"]:
            question.get_by_label(pair["left"][lang], exact=True).select_option(
                label=rights[key[pair["id"]]]
            )
    elif kind == "ordering":
        texts = {i["id"]: i["text"][lang] for i in definition["items"]}
        order_items(question, [texts[item_id] for item_id in key], lang)


def _loose(text: str) -> str:
    """A text without its spaces, which French typography may have changed."""
    return re.sub(r"[\s\u00a0\u202f]+", "", text)


def shown_order(question) -> list[str]:
    return [_loose(text) for text in question.locator(".ordering-text").all_inner_texts()]


def order_items(question, wanted: list[str], lang: str = "fr", keys: bool = False) -> None:
    """Put an ordering question's items in the ``wanted`` order with their "move up" buttons,
    clicked or (``keys``) pressed from the keyboard; in place with JavaScript, one submitted
    page per move without."""
    wanted = [_loose(text) for text in wanted]
    move_up = "Monter" if lang == "fr" else "Move up"
    if shown_order(question) == wanted:
        keep = "Garder cet ordre" if lang == "fr" else "Keep this order"
        question.get_by_role("button", name=keep).click()
    for rank, text in enumerate(wanted):
        while (place := shown_order(question).index(text)) > rank:
            button = (
                question.locator(".ordering-item").nth(place).get_by_role("button", name=move_up)
            )
            if keys:
                button.focus()
                button.press("Enter")
            else:
                button.click()
            expect(question.locator(".ordering-text").nth(place - 1)).to_have_text(
                re.compile(r"\s*".join(map(re.escape, text)))
            )
