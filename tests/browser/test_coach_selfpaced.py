"""A coach in a real Chromium: completes module C1.1, resumes a quiz, runs out of time; the coach
pages in French and English; axe on every page."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lms.catalog import queries as catalog
from lms.quiz import types
from lms.quiz.models import Attempt
from lms.timeutil import utcnow
from tests.support.browser import (
    answer,
    answers_of,
    attempt_id_of,
    check_accessible,
    in_app,
    log_in,
    order_items,
    slots_of,
)

pytestmark = pytest.mark.browser


def test_coach_completes_module_c11_self_paced(content_server, new_page):
    page = new_page("fr-FR")
    log_in(page, content_server, "coach@example.org")
    expect(page.get_by_role("heading", name=re.compile("C1 Organiser"))).to_be_visible()
    expect(page.locator(".module-card")).to_have_count(7)
    check_accessible(page, "home")

    count = in_app(content_server, lambda session: len(catalog.lessons(session, "C1.1")))
    read_all = f"Leçons lues : {count} sur {count}"
    page.get_by_role("link", name="Commencer le module C1.1").click()
    lessons = 0
    while "/lessons/" in page.url:
        lessons += 1
        expect(page.locator("article.lesson h1")).to_be_visible()
        if lessons == 1:
            check_accessible(page, "lesson")
        page.get_by_role("button", name="Marquer comme terminée").click()
        expect(page.get_by_text("Leçon marquée comme terminée.")).to_be_visible()
    assert lessons == count
    expect(page).to_have_url(re.compile(r"/modules/C1\.1/#quiz$"))
    expect(page.get_by_text(read_all)).to_be_visible()
    check_accessible(page, "module")

    page.locator("#quiz").get_by_role("link", name="Aller au quiz").click()
    expect(page.get_by_role("heading", name="Règles")).to_be_visible()
    expect(page.get_by_text("Il vous reste 3 tentatives sur 3.")).to_be_visible()
    check_accessible(page, "quiz-start")
    page.get_by_role("button", name="Commencer le quiz").click()

    attempt_id = attempt_id_of(page)
    slots = slots_of(content_server, attempt_id)
    assert len(slots) == 20
    checked_types = set()
    for position, definition, _order in slots:
        expect(page.locator(f"#question-{position} legend")).to_have_text(
            f"Question {position} sur 20"
        )
        expect(page.get_by_role("timer")).to_contain_text("Temps restant")
        answer(page, position, definition)
        if definition["type"] not in checked_types:  # axe once per question type
            checked_types.add(definition["type"])
            check_accessible(page, f"question-{definition['type']}")
        if position < 20:
            page.get_by_role("button", name="Question suivante").click()
        else:
            page.locator(".nav-buttons").get_by_role(
                "button", name="Terminer la tentative…"
            ).click()

    expect(page.get_by_role("heading", name="Récapitulatif de la tentative")).to_be_visible()
    expect(page.get_by_text("✓ Réponse enregistrée")).to_have_count(20)
    check_accessible(page, "summary")
    page.get_by_role("button", name="Tout envoyer et terminer").click()

    expect(page.get_by_role("heading", name="Résultat de la tentative 1")).to_be_visible()
    # 19 automatically graded questions right; the essay waits for a trainer.
    expect(page.get_by_text(re.compile(r"19 points sur 20 \(95\s%\)"))).to_be_visible()
    expect(page.get_by_text("Certaines réponses attendent la correction")).to_be_visible()
    skills = page.locator(".skills-table tbody tr")
    expect(skills).to_have_count(7)
    expect(skills.first).to_contain_text("100 %")  # a value in text, not colour alone
    expect(page.get_by_text(read_all)).to_be_visible()
    check_accessible(page, "result")

    page.get_by_role("link", name="Relire mes réponses avec les explications").click()
    expect(page.locator(".review-item")).to_have_count(20)
    expect(page.get_by_text("✓ Correct").first).to_be_visible()
    check_accessible(page, "review")

    page.goto(f"{content_server.url}/progress")
    expect(page.get_by_role("heading", name="Ma progression")).to_be_visible()
    expect(page.get_by_text("Quiz en attente de correction").first).to_be_visible()
    check_accessible(page, "progress")
    page.goto(f"{content_server.url}/")
    card = page.locator(".module-card", has_text="C1.1")
    expect(card).to_contain_text(read_all)


def test_resume_after_closing_the_browser(content_server, new_page):
    page = new_page("fr-FR")
    log_in(page, content_server, "coach3@example.org")
    page.goto(f"{content_server.url}/modules/C2/quiz")
    page.get_by_role("button", name="Commencer le quiz").click()
    attempt_id = attempt_id_of(page)
    slots = slots_of(content_server, attempt_id)
    half = len(slots) // 2
    for position, definition, _ in slots[:half]:
        answer(page, position, definition)
        if position < half:
            page.get_by_role("button", name="Question suivante").click()
    # The last one is not followed by a click: only the autosave (htmx) keeps it.
    expect(page.locator("#autosave-status")).to_contain_text("Enregistré à")
    saved = answers_of(content_server, attempt_id)
    assert sorted(saved) == list(range(1, half + 1))
    page.context.close()

    again = new_page("fr-FR")
    log_in(again, content_server, "coach3@example.org")
    again.goto(f"{content_server.url}/modules/C2/quiz")
    again.get_by_role("link", name="Reprendre ma tentative").click()
    expect(again.locator(f"#question-{half + 1}")).to_be_visible()  # the first unanswered one
    nav = again.get_by_role("navigation", name="Questions de la tentative")
    expect(nav.locator(".qnav.answered")).to_have_count(half)
    for position, definition, _ in slots[:half]:
        nav.get_by_role("button", name=re.compile(rf"^{position}\b")).click()
        fields = again.locator(f"#question-{position}")
        expect(fields).to_be_visible()
        kind = definition["type"]
        if kind in ("single_choice", "multiple_response", "true_false"):
            assert fields.locator("input:checked").count() >= 1
        elif kind in ("short_answer", "numerical"):
            assert fields.locator("input[type=text]").input_value() != ""
        elif kind == "essay":
            assert fields.locator("textarea").input_value() != ""
        else:
            assert all(s.input_value() for s in fields.locator("select").all())
    assert answers_of(content_server, attempt_id) == saved  # navigating saved no new answer


def test_the_autosave_status_says_saved_only_once_the_last_change_is_saved(
    content_server, new_page
):
    page = new_page("fr-FR")
    log_in(page, content_server, "coach10@example.org")
    page.goto(f"{content_server.url}/modules/C5/quiz")
    page.get_by_role("button", name="Commencer le quiz").click()
    attempt_id = attempt_id_of(page)
    position, definition, _ = next(
        s for s in slots_of(content_server, attempt_id) if s[1]["type"] == "ordering"
    )
    page.goto(f"{content_server.url}/attempts/{attempt_id}?page={position}")
    held = []  # autosave requests kept back, to be let through one by one
    page.route("**/autosave", lambda route: held.append(route))
    order = types.correct_response(definition)
    texts = {i["id"]: i["text"]["fr"] for i in definition["items"]}
    question = page.locator(f"#question-{position}")
    with page.expect_request("**/autosave"):
        question.locator(".ordering-item").nth(1).get_by_role("button", name="Monter").click()
    first = shown_ids(question)
    order_items(question, [texts[item_id] for item_id in order])  # while the first save travels
    status = page.locator("#autosave-status")

    with page.expect_request("**/autosave"):  # htmx sends the next save once the first answers
        held[0].continue_()
    assert answers_of(content_server, attempt_id)[position] == first
    expect(status).to_have_text("Enregistrement…")  # not "saved": the later moves are not

    held[1].continue_()
    expect(status).to_contain_text("Enregistré à")
    assert answers_of(content_server, attempt_id)[position] == order


def shown_ids(question) -> list[str]:
    return question.locator(".ordering-item input[type=hidden]").evaluate_all(
        "fields => fields.map(f => f.value)"
    )


def _set_deadline(server, attempt_id: int, seconds: float) -> None:
    def update(session):
        session.get(Attempt, attempt_id).deadline = utcnow() + timedelta(seconds=seconds)

    in_app(server, update)


def timing(session, attempt_id: int) -> tuple:
    attempt = session.get(Attempt, attempt_id)
    return attempt.autosubmitted, attempt.submitted_at, attempt.deadline


def test_time_limit_autosubmits_with_what_was_saved(content_server, new_page):
    page = new_page("fr-FR")
    log_in(page, content_server, "coach4@example.org")
    page.goto(f"{content_server.url}/modules/C3/quiz")
    page.get_by_role("button", name="Commencer le quiz").click()
    attempt_id = attempt_id_of(page)
    slots = slots_of(content_server, attempt_id)
    # A short limit: the attempt's deadline, which the server and the countdown both read.
    _set_deadline(content_server, attempt_id, 12)
    page.reload()
    answer(page, 1, slots[0][1])
    expect(page.locator("#autosave-status")).to_contain_text("Enregistré à")
    page.get_by_role("button", name="Question suivante").click()
    expect(page.get_by_role("timer")).to_contain_text("Temps restant : 0:")
    expect(page.get_by_role("heading", name="Résultat de la tentative 1")).to_be_visible(
        timeout=20_000
    )
    expect(page.get_by_text("Le temps imparti est écoulé").first).to_be_visible()
    check_accessible(page, "result-timeout")
    assert sorted(answers_of(content_server, attempt_id)) == [1]
    auto, submitted_at, deadline = in_app(content_server, lambda s: timing(s, attempt_id))
    assert auto and submitted_at <= deadline


def test_without_javascript_a_late_answer_is_not_kept(content_server, browser, request, clock):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    request.node.pages = [*getattr(request.node, "pages", []), page]
    try:
        log_in(page, content_server, "coach5@example.org")
        page.goto(f"{content_server.url}/modules/C4.1/quiz")
        page.get_by_role("button", name="Commencer le quiz").click()
        attempt_id = attempt_id_of(page)
        slots = slots_of(content_server, attempt_id)
        _set_deadline(content_server, attempt_id, 60)
        answer(page, 1, slots[0][1])
        page.get_by_role("button", name="Question suivante").click()  # saved without JS
        answer(page, 2, slots[1][1])
        clock.advance(timedelta(seconds=70))  # past the deadline and its grace
        page.get_by_role("button", name="Question suivante").click()
        expect(page.get_by_role("heading", name="Résultat de la tentative 1")).to_be_visible()
        assert sorted(answers_of(content_server, attempt_id)) == [1]
    finally:
        context.close()


PAGES = [
    ("/", "Welcome, Chris Coach", "Bienvenue, Coach 6"),
    ("/modules/", "Modules of the training", "Les modules de la formation"),
    ("/modules/C4.2/", "Objectives", "Objectifs"),
    ("/modules/C4.2/lessons/{lesson}", "Mark as done", "Marquer comme terminée"),
    ("/modules/C4.2/quiz", "Rules", "Règles"),
    ("/progress", "My progress", "Ma progression"),
    ("/live/join", "Join a live session", "Rejoindre une session en direct"),
]


@pytest.mark.parametrize(
    ("email", "locale", "column"),
    [("coach2@example.org", "en-GB", 1), ("coach6@example.org", "fr-FR", 2)],
    ids=["en", "fr"],
)
def test_coach_pages_in_both_languages_pass_axe(content_server, new_page, email, locale, column):
    page = new_page(locale)
    log_in(page, content_server, email)
    lang = locale[:2]
    expect(page.locator("html")).to_have_attribute("lang", lang)
    lesson = in_app(content_server, lambda session: catalog.lessons(session, "C4.2")[0][0].slug)
    for path, *expected in PAGES:
        page.goto(content_server.url + path.format(lesson=lesson))
        expect(page.locator("main")).to_contain_text(expected[column - 1])
        check_accessible(page, f"{lang}-{path.strip('/').replace('/', '-') or 'home'}")
    # The attempt pages too, in this language.
    page.goto(f"{content_server.url}/modules/C4.2/quiz")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#question-1")).to_be_visible()
    check_accessible(page, f"{lang}-attempt")
    finish = "Finish the attempt…" if lang == "en" else "Terminer la tentative…"
    page.locator(".nav-buttons").get_by_role("button", name=finish).click()
    expect(page.locator("main h1")).to_have_text(
        "Summary of the attempt" if lang == "en" else "Récapitulatif de la tentative"
    )
    check_accessible(page, f"{lang}-summary")
