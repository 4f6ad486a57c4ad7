"""Accounts without a command line, in a real Chromium: an administrator imports the file French
Excel writes, a coach accepts the invitation read from the test SMTP server and logs in; a coach
who forgot their password chooses a new one."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import check_accessible, log_in

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_imported_coaches_are_invited_and_one_sets_a_password_and_logs_in(
    live_server, new_page, mailbox
):
    admin = new_page()
    log_in(admin, live_server, "admin@example.org")
    admin.goto(f"{live_server.url}/admin/cohorts/new")
    admin.get_by_label("Nom").fill("Lyon 2027")
    admin.get_by_role("button", name="Créer").click()
    admin.goto(f"{live_server.url}/admin/import")
    admin.get_by_label("Fichier CSV ou Excel").set_input_files(
        str(FIXTURES / "coaches-excel-fr-cp1252.csv")
    )
    admin.get_by_role("button", name="Importer").click()
    expect(admin.get_by_text("3 comptes créés, 3 inscriptions.")).to_be_visible()
    expect(admin.get_by_text("3 invitations envoyées.")).to_be_visible()
    row = admin.get_by_role("row").filter(has_text="tom.berg@example.org")
    expect(row).to_contain_text("Invitation non acceptée")

    [invitation] = mailbox.for_("tom.berg@example.org")
    assert "Hello Tom Berg," in mailbox.text(invitation)  # he chose English in the file
    coach = new_page("en-GB")
    coach.goto(mailbox.link("tom.berg@example.org"))
    expect(coach.get_by_role("heading", level=1)).to_have_text("Choose your password")
    check_accessible(coach, "choose-password")
    coach.get_by_label("New password", exact=True).fill("sunny days in Lyon")
    coach.get_by_label("Repeat the new password").fill("sunny days in Lyon")
    coach.get_by_role("button", name="Save the password").click()
    expect(coach.get_by_text("Your password is set. Log in with it.")).to_be_visible()
    coach.get_by_label("Email").fill("tom.berg@example.org")
    coach.get_by_label("Password").fill("sunny days in Lyon")
    coach.get_by_role("button", name="Log in").click()
    expect(coach.get_by_role("heading", level=1)).to_have_text("Welcome, Tom Berg")

    admin.reload()
    expect(admin.get_by_role("row").filter(has_text="tom.berg@example.org")).to_contain_text(
        "Choisi"
    )


def test_a_coach_who_forgot_the_password_chooses_a_new_one(live_server, page, mailbox):
    page.goto(f"{live_server.url}/login")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.get_by_label("Adresse e-mail").fill("coach2@example.org")
    page.get_by_role("button", name="M’envoyer un lien").click()
    expect(page.get_by_text("Si un compte existe pour cette adresse")).to_be_visible()

    page.goto(mailbox.link("coach2@example.org"))
    page.get_by_label("Nouveau mot de passe", exact=True).fill("a brand new sentence")
    page.get_by_label("Répétez le nouveau mot de passe").fill("a brand new sentence")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    log_in(page, live_server, "coach2@example.org", "a brand new sentence")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
