"""`flask xapi …`: forward statements to the LRSs, retry dead letters, export statements."""

import json
import logging
import signal
import threading

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from lms.extensions import db
from lms.xapi import endpoints, export, forwarder, identity, queries
from lms.xapi.outbox import normalise_uuid

xapi_cli = AppGroup("xapi", help="xAPI statements: forwarding to LRSs, dead letters, export.")
log = logging.getLogger(__name__)


def _sync_config_endpoint(config) -> None:
    endpoints.sync_config_endpoint(
        db.session,
        url=config.get("LRS_URL", ""),
        username=config.get("LRS_USERNAME", ""),
        scope=config.get("LRS_SCOPE", "all"),
        actor_identity=config.get("LRS_ACTOR", "mbox"),
    )
    db.session.commit()


def _targets_loader(app: Flask, name: str | None):
    def load() -> list[endpoints.Target]:
        with app.app_context():
            try:
                return endpoints.load_targets(db.session, app.config, name)
            finally:
                db.session.remove()

    return load


@xapi_cli.command("forward")
@click.option("--once", is_flag=True, help="Deliver what is pending now, then exit.")
@click.option("--endpoint", "endpoint_name", help="Only this endpoint (by name).")
@click.option(
    "--batch",
    type=click.IntRange(1, 1000),
    help="Statements per POST for this run (default: LMS_XAPI_FORWARD_BATCH).",
)
@click.pass_context
def forward(ctx: click.Context, once: bool, endpoint_name: str | None, batch: int | None) -> None:
    """Send pending statements to the LRS endpoints.

    With --once, exit 0 when everything was delivered, 3 when some remain pending (an LRS
    unreachable), 4 when some were refused (dead letters); always one line
    "sent N, pending N, dead N". Without it, loop until SIGTERM or SIGINT."""
    app = current_app._get_current_object()
    _sync_config_endpoint(app.config)
    try:
        targets = endpoints.load_targets(db.session, app.config, endpoint_name)
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    if not targets and once:
        click.echo("no active LRS endpoint: set LMS_LRS_URL or add one on /admin/xapi", err=True)
    settings = forwarder.settings_from(app.config, **({"batch_size": batch} if batch else {}))
    if once:
        worker = forwarder.Forwarder(db.engine, targets, settings)
        report = worker.run_once()
        click.echo(report.line)
        ctx.exit(report.exit_code)
    worker = forwarder.Forwarder(db.engine, _targets_loader(app, endpoint_name), settings)
    _stop_on_signals(worker.stop)
    click.echo(
        f"forwarding to {', '.join(t.name for t in targets) or 'no endpoint yet'}; "
        "stop with Ctrl+C or SIGTERM",
        err=True,
    )
    worker.run_forever()
    click.echo(worker.report([t.id for t in targets]).line)


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(signum, _frame) -> None:
        log.info("signal %s: finishing the current batch, then stopping", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)


@xapi_cli.command("retry")
@click.option("--all", "retry_all", is_flag=True, help="Every dead letter.")
@click.option("--id", "statement_id", help="The dead letters of this statement (UUID).")
@click.option("--endpoint", "endpoint_name", help="Only at this endpoint (by name).")
def retry(retry_all: bool, statement_id: str | None, endpoint_name: str | None) -> None:
    """Put dead-lettered statements back to pending; the next forward sends them again."""
    if retry_all == bool(statement_id):
        raise click.UsageError("give either --all or --id UUID")
    try:
        statement_id = normalise_uuid(statement_id) if statement_id else None
    except ValueError:
        raise click.BadParameter(f"{statement_id!r} is not a UUID", param_hint="--id") from None
    endpoint_id = None
    if endpoint_name:
        matches = [e for e in queries.endpoints(db.session) if e.name == endpoint_name]
        if not matches:
            raise click.BadParameter(
                f"no endpoint named {endpoint_name!r}", param_hint="--endpoint"
            )
        endpoint_id = matches[0].id
    count = forwarder.retry_dead(db.session, statement_id=statement_id, endpoint_id=endpoint_id)
    db.session.commit()
    click.echo(f"{count} dead letter(s) back to pending")


def _bound(_ctx, param, value: str | None):
    if value is None:
        return None
    try:
        return export.parse_bound(value, end=param.name == "until")
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@xapi_cli.command("export")
@click.option("--since", callback=_bound, help="From this date or timestamp (included).")
@click.option("--until", callback=_bound, help="To this date (included) or timestamp (excluded).")
@click.option("--user", "email", help="Only the statements whose actor is this e-mail address.")
@click.option(
    "--format", "fmt", type=click.Choice(export.FORMATS), default="jsonl", show_default=True
)
@click.option(
    "--out", type=click.File("w", encoding="utf-8"), default="-", help="File (default: stdout)."
)
def export_command(since, until, email: str | None, fmt: str, out) -> None:
    """Write recorded statements (voided ones too) exactly as stored, in recording order."""
    actor_ifis = None
    if email:
        home_page = current_app.config.get("BASE_URL", "")
        actor_ifis = queries.actor_ifis(db.session, "mailto:" + email.strip().lower(), home_page)
    texts = export.statement_texts(db.session, since=since, until=until, actor_ifis=actor_ifis)
    count = export.write(texts, out, fmt)
    if getattr(out, "name", "<stdout>") != "<stdout>":
        click.echo(f"{count} statement(s) written to {out.name}", err=True)


@xapi_cli.command("actor-map")
@click.option("--endpoint", "endpoint_name", required=True, help="The LRS endpoint by name.")
@click.option(
    "--out", type=click.File("w", encoding="utf-8"), default="-", help="File (default: stdout)."
)
def actor_map(endpoint_name: str, out) -> None:
    """Write the centre's mapping file of a pseudonymous endpoint: what the LRS holds for each
    person and who it is. Personal data: keep it with the centre, never on the LRS."""
    app = current_app._get_current_object()
    _sync_config_endpoint(app.config)
    found = [e for e in queries.endpoints(db.session) if e.name == endpoint_name]
    if not found:
        raise click.BadParameter(f"no endpoint named {endpoint_name!r}", param_hint="--endpoint")
    settings = forwarder.settings_from(app.config)
    how = identity.Identification(
        found[0].actor_identity, settings.home_page, settings.pseudonym_key
    )
    people = identity.everyone(db.session)
    document = {
        "endpoint": endpoint_name,
        "actor_identity": how.kind,
        "people": identity.mapping_entries(people, how),
    }
    json.dump(document, out, ensure_ascii=False, indent=1)
    out.write("\n")
    if getattr(out, "name", "<stdout>") != "<stdout>":
        click.echo(f"{len(people)} people written to {out.name}", err=True)


def forward_in_background(app: Flask) -> None:
    """Forward from a daemon thread of this process, started with the first request (so
    `flask db upgrade` and other commands never start it). For `make run`; production runs
    `flask xapi forward` as its own process."""
    started = threading.Lock()
    state = {"thread": None}

    def start() -> None:
        if state["thread"] is not None or not started.acquire(blocking=False):
            return
        try:
            _sync_config_endpoint(app.config)
        except Exception:  # noqa: BLE001 - the page must render even if the table is missing
            log.exception("cannot register the LMS_LRS_URL endpoint; not forwarding")
            started.release()
            return
        worker = forwarder.Forwarder(
            db.engine, _targets_loader(app, None), forwarder.settings_from(app.config)
        )
        thread = threading.Thread(target=worker.run_forever, name="xapi-forwarder", daemon=True)
        state["thread"] = thread
        thread.start()

    app.before_request(start)
