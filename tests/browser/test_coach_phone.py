"""The coach on a phone (Playwright's mobile contexts at 360×740 and 390×844): no page wider than
the screen, a compact header, the question before the question grid, axe on every page; the
ordering question with the keyboard, without JavaScript and by drag and drop."""

import re

import pytest
from playwright.sync_api import expect

from lms.catalog import queries as catalog
from lms.quiz import types
from tests.support.browser import (
    ARTIFACTS,
    PHONES,
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


def check_fits(page, name: str) -> None:
    """In a mobile context an overflowing page widens the layout viewport: compare the
    document's width with the screen's, not with the window's."""
    width, screen = page.evaluate("() => [document.documentElement.scrollWidth, screen.width]")
    assert width <= screen, f"{name}: the page is {width} px wide on a {screen} px screen"


def check_page(page, name: str) -> None:
    check_fits(page, name)
    check_accessible(page, name)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def page_top_of(locator) -> float:
    """Distance from the top of the page, whatever the page has scrolled to."""
    return locator.evaluate("element => element.getBoundingClientRect().top + window.scrollY")


COACH_PAGES = [
    ("/", "Bienvenue"),
    ("/modules/", "Les modules de la formation"),
    ("/modules/C4.2/", "Objectifs"),
    ("/modules/C4.2/lessons/{lesson}", "Marquer comme terminée"),
    ("/modules/C4.2/quiz", "Règles"),
    ("/live/join", "Rejoindre une session en direct"),
]


@pytest.mark.parametrize(
    ("phone", "email"), [("360x740", "coach7@example.org"), ("390x844", "coach8@example.org")]
)
def test_every_coach_page_fits_a_phone(content_server, new_page, phone, email):
    page = new_page("fr-FR", phone=phone)
    height = PHONES[phone][1]
    log_in(page, content_server, email)
    # A compact header: most of the first screen is left to the page.
    assert page.locator(".site-header").bounding_box()["height"] <= height / 6
    # The privacy notice's banner stays until acknowledged, once, like a coach does.
    page.get_by_role("button", name="J’ai pris connaissance de ces informations").click()
    expect(page.locator(".site-header")).to_be_visible()
    page.goto(f"{content_server.url}/modules/C1.1/quiz")
    page.get_by_role("button", name="Commencer le quiz").click()
    attempt_id = attempt_id_of(page)
    checked_types = set()
    for position, definition, _order in slots_of(content_server, attempt_id):
        expect(page.locator(f"#question-{position}")).to_be_visible()
        if position == 1:  # the question first, then the grid of the 20 questions
            grid = page.get_by_role("navigation", name="Questions de la tentative")
            assert page_top_of(page.locator("#question-1")) < page_top_of(grid)
            assert page_top_of(page.locator("#question-1")) < height / 2
        kind = definition["type"]
        answer(page, position, definition)
        if kind not in checked_types:  # axe once per question type
            checked_types.add(kind)
            check_page(page, f"{phone}-question-{kind}")
        else:
            check_fits(page, f"{phone}-question-{position}")
        if position == 1:
            shot(page, f"phone-{phone}-question")
        if kind == "ordering":
            shot(page, f"phone-{phone}-ordering")
        nav = page.locator(".nav-buttons")
        if position < 20:
            nav.get_by_role("button", name="Question suivante").click()
        else:
            nav.get_by_role("button", name="Terminer la tentative…").click()
    expect(page.get_by_role("heading", name="Récapitulatif de la tentative")).to_be_visible()
    check_page(page, f"{phone}-summary")
    page.get_by_role("button", name="Tout envoyer et terminer").click()
    expect(page.get_by_role("heading", name="Résultat de la tentative 1")).to_be_visible()
    check_page(page, f"{phone}-result")
    shot(page, f"phone-{phone}-result")
    page.get_by_role("link", name="Relire mes réponses avec les explications").click()
    expect(page.locator(".review-item")).to_have_count(20)
    check_page(page, f"{phone}-review")
    page.goto(f"{content_server.url}/progress")
    expect(page.get_by_role("heading", name="Ma progression")).to_be_visible()
    check_page(page, f"{phone}-progress")
    lesson = in_app(content_server, lambda session: catalog.lessons(session, "C4.2")[0][0].slug)
    for path, text in COACH_PAGES:
        page.goto(content_server.url + path.format(lesson=lesson))
        expect(page.locator("main")).to_contain_text(text)
        check_page(page, f"{phone}-{path.strip('/').replace('/', '-') or 'home'}")


def _ordering_page(page, server, code: str) -> tuple[int, int, dict]:
    """Start the quiz of module ``code`` and open its ordering question."""
    page.goto(f"{server.url}/modules/{code}/quiz")
    page.get_by_role("button", name="Commencer le quiz").click()
    attempt_id = attempt_id_of(page)
    position, definition, _order = next(
        s for s in slots_of(server, attempt_id) if s[1]["type"] == "ordering"
    )
    page.goto(f"{server.url}/attempts/{attempt_id}?page={position}")
    return attempt_id, position, definition


def _texts(definition: dict, ids: list[str]) -> list[str]:
    texts = {i["id"]: i["text"]["fr"] for i in definition["items"]}
    return [texts[item_id] for item_id in ids]


def test_ordering_without_javascript_moves_on_the_server(content_server, browser, request):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    request.node.pages = [*getattr(request.node, "pages", []), page]
    try:
        log_in(page, content_server, "coach9@example.org")
        attempt_id, position, definition = _ordering_page(page, content_server, "C2")
        question = page.locator(f"#question-{position}")
        expect(question.locator(".ordering-item")).to_have_count(len(definition["items"]))
        page.locator(".nav-buttons button").first.click()  # saves the page: the order shown…
        assert position not in answers_of(content_server, attempt_id)  # …is not an answer
        page.goto(f"{content_server.url}/attempts/{attempt_id}?page={position}")
        key = types.correct_response(definition)
        order_items(question, _texts(definition, key))  # each move a submitted page
        assert answers_of(content_server, attempt_id)[position] == key
        expect(question.get_by_text("Pas encore de réponse")).to_have_count(0)
    finally:
        context.close()


def test_ordering_with_the_keyboard_then_by_dragging(content_server, new_page):
    page = new_page("fr-FR")
    log_in(page, content_server, "coach@example.org")
    attempt_id, position, definition = _ordering_page(page, content_server, "C3")
    question = page.locator(f"#question-{position}")
    key = types.correct_response(definition)
    order_items(question, _texts(definition, key), keys=True)
    # The keyboard stays on the list, on a move button, after each move.
    focused = page.evaluate("() => document.activeElement.closest('.ordering-item') !== null")
    assert focused
    expect(question.locator("[data-ordering-status]")).to_contain_text(
        re.compile(r"est maintenant en position \d+ sur \d+\.")
    )
    expect(page.locator("#autosave-status")).to_contain_text("Enregistré à")
    assert answers_of(content_server, attempt_id)[position] == key
    check_page(page, "ordering-keyboard")

    items = question.locator(".ordering-item")
    last = items.last.locator(".ordering-text").inner_text()
    with page.expect_response("**/autosave"):  # the drop is saved like any change
        items.last.drag_to(items.first, target_position={"x": 10, "y": 2})
    expect(items.first.locator(".ordering-text")).to_have_text(last)
    assert answers_of(content_server, attempt_id)[position] == [key[-1], *key[:-1]]
    shot(page, "ordering-dragged")
