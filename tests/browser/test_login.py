"""A coach logs in in French, switches to English and logs out, in a real Chromium."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_coach_logs_in_in_french_switches_to_english_and_logs_out(live_server, page):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login?next=%2F")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_label("Adresse e-mail").fill("coach@example.org")
    page.get_by_label("Mot de passe").fill("mobility-demo")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue, Camille Coach")
    expect(page.get_by_text("Promotion de démonstration")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Camille Coach")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/login")
    expect(page.get_by_text("You are logged out.")).to_be_visible()


def test_wrong_password_shows_a_message(live_server, page):
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Adresse e-mail").fill("coach@example.org")
    page.get_by_label("Mot de passe").fill("wrong password")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Adresse e-mail ou mot de passe incorrect.")).to_be_visible()
