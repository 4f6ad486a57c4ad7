"""The page where every user chooses the e-mails they receive."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from lms.access import roles_required
from lms.extensions import db
from lms.notify.preferences import LABELS, choose, kinds_for, wanted

bp = Blueprint("notify", __name__)


@bp.route("/account/notifications", methods=["GET", "POST"])
@roles_required()
def preferences():
    form = FlaskForm()  # the CSRF token
    kinds = kinds_for(current_user)
    error = ""
    if form.validate_on_submit():
        chosen = set(request.form.getlist("kinds"))
        unknown = chosen.difference(kinds)
        if not unknown:
            choose(db.session, current_user, chosen)
            db.session.commit()
            flash(_("Your notification choices are saved."), "info")
            return redirect(url_for("notify.preferences"))
        error = _("Unknown notification: %(kinds)s.", kinds=", ".join(sorted(unknown)))
    return render_template(
        "notify/preferences.html",
        form=form,
        kinds=kinds,
        labels=LABELS,
        wanted=wanted(db.session, current_user),
        error=error,
    ), 400 if error else 200
