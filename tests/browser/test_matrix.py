"""The cohort matrix of the seven modules for 25 coaches in a laptop-sized window: the names stay
in place while the table scrolls sideways, and a hint says that more columns follow."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.auth.models import Cohort
from lms.demo import DEMO_COHORT
from tests.support import factories
from tests.support.browser import ARTIFACTS, in_app, log_in

pytestmark = pytest.mark.browser


def _coaches(session) -> int:
    cohort = session.scalar(select(Cohort).where(Cohort.name == DEMO_COHORT))
    for number in range(1, 26):
        coach = factories.make_user(
            session, email=f"matrix{number}@example.org", display_name=f"Coach 2-{number}"
        )
        cohort.coaches.append(coach)
    return cohort.id


def test_the_matrix_keeps_the_names_in_view_and_hints_at_hidden_columns(content_server, page):
    cohort_id = in_app(content_server, _coaches)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, content_server, "trainer@example.org")
    page.goto(f"{content_server.url}/trainer/cohorts/{cohort_id}")
    scroller = page.locator(".matrix-scroll")
    expect(page.locator("#matrix-hint")).to_be_visible()
    names = page.locator(".matrix tbody th.name")
    expect(names.nth(0)).to_have_text("Camille Coach")
    assert names.all_inner_texts().index("Coach 2-2") < names.all_inner_texts().index("Coach 2-10")

    scroller.scroll_into_view_if_needed()
    box = scroller.bounding_box()
    assert box["width"] <= 1100
    scroller.evaluate("element => { element.scrollLeft = element.scrollWidth }")
    last = page.get_by_role("columnheader", name="Dernière activité")
    expect(last).to_be_in_viewport()
    name_box = names.nth(3).bounding_box()
    assert box["x"] <= name_box["x"] < box["x"] + 5, (box, name_box)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "matrix-25-coaches-scrolled.png"))
