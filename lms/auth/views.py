"""Login, logout, own password, forgotten password, invitation and reset links, language."""

from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from lms.access import public, roles_required
from lms.auth import audit, links, mails, service, tokens
from lms.auth.forms import (
    ChoosePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    PasswordForm,
    TokenForm,
)
from lms.extensions import db
from lms.formats import translated
from lms.timeutil import utcnow

bp = Blueprint("auth", __name__)


def session_lifetime() -> service.SessionLifetime:
    config = current_app.config
    return service.SessionLifetime(
        idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        absolute=timedelta(hours=config["SESSION_LIFETIME_HOURS"]),
    )


def load_user(user_id: str):
    """Flask-Login's loader: the user of the cookie's session while that session lives."""
    token = session.get("sid")
    if not isinstance(token, str) or not (user_id.isascii() and user_id.isdigit()):
        return None
    lifetime = session_lifetime()
    now = utcnow()
    # Usually the first thing a request reads: then the touch is committed at once on the
    # request's own connection. A second pooled connection taken meanwhile let a burst of
    # requests hold every connection, each waiting for another (pool timeout, 500). When the
    # request already holds work of its own, a later request records the activity.
    pending = db.session.new or db.session.dirty or db.session.deleted
    untouched = not (db.session().in_transaction() or pending)
    found = service.session_user(db.session, int(user_id), token, lifetime, now=now)
    if found is None:
        return None
    user, login_session = found
    if untouched and service.touch_session(db.session, login_session, lifetime, now=now):
        db.session.commit()
    return user


def login_limits() -> service.LoginLimits:
    config = current_app.config
    return service.LoginLimits(
        per_account_and_address=config["LOGIN_MAX_FAILURES"],
        per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        window=timedelta(minutes=config["LOGIN_WINDOW_MINUTES"]),
    )


def _client_address() -> str:
    return request.remote_addr or "unknown"


def _throttled(throttled: service.LoginThrottled, template: str, form):
    flash(
        _("Too many failed attempts. Wait %(seconds)d seconds and try again.",
          seconds=throttled.retry_after),
        "error",
    )  # fmt: skip
    response = current_app.make_response((render_template(template, form=form), 429))
    response.headers["Retry-After"] = str(throttled.retry_after)
    return response


def sign_in(user) -> None:
    """Start a session for ``user`` in this browser (the caller commits)."""
    session.clear()
    login_user(user)
    session["sid"] = service.open_session(db.session, user, session_lifetime())
    session["lang"] = user.language


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute URL here would be an open redirect.
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("web.home")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = service.authenticate(
                db.session, form.email.data, form.password.data, _client_address(), login_limits()
            )
        except service.LoginThrottled as throttled:
            audit.record(db.session, "login.throttled", email=form.email.data, ip=_client_address())
            db.session.commit()
            return _throttled(throttled, "auth/login.html", form)
        if user is not None:
            sign_in(user)
            audit.record(db.session, "login.succeeded", actor=user, ip=_client_address())
        else:
            audit.record(db.session, "login.failed", email=form.email.data, ip=_client_address())
        db.session.commit()
        if user is not None:
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong email or password."), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@roles_required()
def logout():
    language = current_user.language
    service.end_session(db.session, session.get("sid"))
    audit.record(db.session, "logout", actor=current_user, ip=_client_address())
    db.session.commit()
    logout_user()
    session.clear()
    session["lang"] = language  # the next page stays in the language the user chose
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@roles_required()
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            service.check_throttle(
                db.session, current_user.email, _client_address(), login_limits()
            )
            service.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except service.LoginThrottled as throttled:
            return _throttled(throttled, "auth/password.html", form)
        except service.AccountError as error:
            field = (
                form.current_password if error.field == "current_password" else form.new_password
            )
            field.errors.append(translated(error))
            service.record_failure(
                db.session, current_user.email, _client_address(), login_limits()
            )
            audit.record(
                db.session, "password.change_failed", actor=current_user, ip=_client_address()
            )
            db.session.commit()
        else:
            service.end_sessions(db.session, current_user, keep_token=session.get("sid"))
            audit.record(db.session, "password.changed", actor=current_user, ip=_client_address())
            db.session.commit()
            flash(_("Your password has been changed."), "info")
            return redirect(url_for("web.home"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form), status


@bp.route("/account/tokens", methods=["GET", "POST"])
@roles_required()
def api_tokens():
    """The owner's API tokens: create one (shown once, on this answer only), list, revoke."""
    form, created = TokenForm(), None
    if form.validate_on_submit():
        try:
            row, created = tokens.create_token(
                db.session, current_user, form.name.data, form.scope.data
            )
        except tokens.TokenError as error:
            form.name.errors.append(translated(error))
        else:
            audit.record(
                db.session, "token.created", actor=current_user, subject=f"token:{row.id}",
                ip=_client_address(), detail={"name": row.name, "scope": row.scope},
            )  # fmt: skip
            db.session.commit()
            form = TokenForm(formdata=None)
    status = 400 if request.method == "POST" and created is None else 200
    page = render_template(
        "auth/tokens.html", form=form, created=created,
        tokens=tokens.tokens_of(db.session, current_user),
    )  # fmt: skip
    response = current_app.make_response((page, status))
    response.headers["Cache-Control"] = "no-store"  # the new token is on this page
    return response


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@roles_required()
def revoke_api_token(token_id: int):
    row = tokens.revoke_token(db.session, current_user, token_id)
    if row is None:
        return render_template("errors/error.html", code=404, message=_("No such token.")), 404
    audit.record(
        db.session, "token.revoked", actor=current_user, subject=f"token:{row.id}",
        ip=_client_address(), detail={"name": row.name},
    )  # fmt: skip
    db.session.commit()
    flash(_("The token “%(name)s” is revoked.", name=row.name), "info")
    return redirect(url_for("auth.api_tokens"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            user = links.request_link(
                db.session,
                form.email.data,
                request.remote_addr or "unknown",
                per_hour=current_app.config["LINK_REQUESTS_PER_HOUR"],
            )
        except links.LinkRequestThrottled:
            db.session.rollback()
            flash(_("Too many requests. Wait an hour and try again."), "error")
            return render_template("auth/forgot.html", form=form), 429
        if user is not None:
            # Someone never invited, or whose invitation expired, gets a fresh invitation.
            purpose = links.INVITATION if links.needs_invitation(user) else links.RESET
            mails.send_password_link(user, purpose)
        db.session.commit()
        flash(
            _(
                "If an account exists for this address, a link to choose a password has been "
                "sent to it. Check your mailbox."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route("/password/choose/<token>", methods=["GET", "POST"])
@public
def choose_password(token: str):
    """The page an invitation or a reset link opens: choose a password, then log in."""
    try:
        user, purpose = links.user_for_token(
            db.session, current_app.config["SECRET_KEY"], token, mails.link_lifetimes()
        )
    except (links.LinkExpired, links.LinkInvalid) as error:
        expired = isinstance(error, links.LinkExpired)
        page = render_template("auth/link_error.html", message=translated(error), expired=expired)
        return page, 410 if expired else 404
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            service.set_password(user, form.new_password.data)
        except service.AccountError as error:
            form.new_password.errors.append(translated(error))
        else:
            service.end_sessions(db.session, user)  # whoever knew the old one is logged out
            audit.record(
                db.session, "password.changed", actor=user, ip=_client_address(),
                detail={"by": purpose},
            )  # fmt: skip
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            session["lang"] = user.language
            flash(_("Your password is set. Log in with it."), "info")
            return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "auth/choose_password.html",
        form=form,
        user=user,
        invitation=purpose == links.INVITATION,
        min_length=service.MIN_PASSWORD_LENGTH,
    ), status


@bp.route("/language", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        return render_template("errors/error.html", code=400, message=_("Unknown language.")), 400
    session["lang"] = form.language.data
    if current_user.is_authenticated:
        current_user.language = form.language.data
        db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
