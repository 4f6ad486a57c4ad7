"""The messages about accounts: an invitation or a reset link, in the recipient's language."""

from datetime import timedelta

from flask import current_app

from lms import mailer
from lms.auth import links
from lms.auth.models import User
from lms.formats import public_url
from lms.i18n import N_

SUBJECTS = {
    links.INVITATION: N_("Your account on the mobility coach training"),
    links.RESET: N_("Choose a new password"),
}


def link_lifetimes() -> dict[str, timedelta]:
    config = current_app.config
    return {
        links.INVITATION: timedelta(days=config["INVITATION_DAYS"]),
        links.RESET: timedelta(hours=config["RESET_LINK_HOURS"]),
    }


def send_password_link(user: User, purpose: str) -> bool:
    """Mail ``user`` a link to choose a password; an invitation is dated on the account.
    The caller commits. False when the mail server refused the message."""
    token = links.make_token(current_app.config["SECRET_KEY"], user, purpose)
    sent = mailer.send(
        user.email,
        user.language,
        SUBJECTS[purpose],
        f"password_{purpose}",
        user=user,
        link=public_url("auth.choose_password", token=token),
        days=current_app.config["INVITATION_DAYS"],
        hours=current_app.config["RESET_LINK_HOURS"],
    )
    if sent and purpose == links.INVITATION:
        links.mark_invited(user)
    return sent
