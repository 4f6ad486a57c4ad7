"""The forwarder: deliver outbox statements to each LRS endpoint in batches, safely in parallel;
retry, and dead letters put back to pending. Which endpoints exist is lms.xapi.endpoints'."""

import json
import logging
import random
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Integer, String, and_, exists, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lms.timeutil import UTCDateTime, utcnow
from lms.xapi import identity
from lms.xapi.client import LrsClient, PostResult, backoff_delay
from lms.xapi.endpoints import Target
from lms.xapi.models import COMPLETION_VERBS, Delivery, Statement
from lms.xapi.statements import to_json

log = logging.getLogger(__name__)

# How far behind the newest enqueued statement the cheap enqueue looks for stragglers: a
# statement's seq is taken at insert but visible at commit, so a slow transaction can commit
# a lower seq after higher ones. A full sweep (at start, then every SWEEP_SECONDS) catches the
# rest, however late.
LOOKBACK = 1000
SWEEP_SECONDS = 600.0
# Longest in-process wait before retrying an unreachable endpoint in the long-running loop.
LOOP_BACKOFF_CAP = 300.0
# Batches sent to one endpoint before the long-running loop turns to the next endpoint.
BATCHES_PER_TURN = 50


@dataclass(frozen=True)
class ForwardSettings:
    """Tuning of one forwarder; the defaults suit production."""

    batch_size: int = 100
    timeout: float = 10.0
    # POSTs of one batch within a run before leaving it pending for later.
    tries: int = 4
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    claim_seconds: float = 300.0
    idle_seconds: float = 2.0
    xapi_version: str = "1.0.3"
    # What a pseudonymous endpoint's accounts are made of (lms.xapi.identity).
    home_page: str = ""
    pseudonym_key: bytes = b""


def settings_from(config: Mapping[str, Any], **overrides: Any) -> ForwardSettings:
    """Settings from the application config (``XAPI_FORWARD_*`` keys), then ``overrides``."""
    defaults = ForwardSettings()
    settings = ForwardSettings(
        batch_size=int(config.get("XAPI_FORWARD_BATCH", defaults.batch_size)),
        timeout=float(config.get("XAPI_FORWARD_TIMEOUT", defaults.timeout)),
        tries=int(config.get("XAPI_FORWARD_TRIES", defaults.tries)),
        backoff_base=float(config.get("XAPI_FORWARD_BACKOFF", defaults.backoff_base)),
        backoff_cap=float(config.get("XAPI_FORWARD_BACKOFF_CAP", defaults.backoff_cap)),
        claim_seconds=float(config.get("XAPI_FORWARD_CLAIM_SECONDS", defaults.claim_seconds)),
        idle_seconds=float(config.get("XAPI_FORWARD_IDLE", defaults.idle_seconds)),
        xapi_version=str(config.get("XAPI_VERSION", defaults.xapi_version)),
        home_page=str(config.get("BASE_URL", "")),
        pseudonym_key=identity.pseudonym_key(config),
    )
    return replace(settings, **overrides)


@dataclass
class ForwardReport:
    """Outcome of a run: sent during it; pending and dead (refused) as left at its end."""

    sent: int = 0
    pending: int = 0
    dead: int = 0

    @property
    def exit_code(self) -> int:
        """0 all delivered, 3 some still pending (LRS unreachable), 4 some dead-lettered."""
        if self.pending:
            return 3
        if self.dead:
            return 4
        return 0

    @property
    def line(self) -> str:
        return f"sent {self.sent}, pending {self.pending}, dead {self.dead}"


@dataclass
class _Claim:
    token: str
    # (delivery id, statement text) in statement order.
    items: list[tuple[int, str]] = field(default_factory=list)


class _Unreachable(Exception):
    def __init__(self, result: PostResult) -> None:
        super().__init__(result.reason)
        self.result = result


class Forwarder:
    """Claims pending deliveries, POSTs them in batches, records what became of each.

    Several forwarders (threads or processes) may run against one database: a delivery is
    claimed by one of them at a time (SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite)."""

    def __init__(
        self,
        engine: Engine,
        targets: Sequence[Target] | Callable[[], Sequence[Target]],
        settings: ForwardSettings | None = None,
        *,
        stop: threading.Event | None = None,
        on_batch: Callable[["Forwarder"], None] | None = None,
        client_factory: Callable[[Target, ForwardSettings], LrsClient] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self._targets = targets if callable(targets) else (lambda: list(targets))
        self.settings = settings or ForwardSettings()
        self.stop = stop or threading.Event()
        self.on_batch = on_batch
        self._client_factory = client_factory or _default_client
        self._rng = rng or random.Random()
        self._postgres = engine.dialect.name == "postgresql"
        self._db_thread: ThreadPoolExecutor | None = None
        self._writes: list[Future] = []
        self.sent = 0

    # --- entry points ----------------------------------------------------------------------
    def run_once(self) -> ForwardReport:
        """Deliver everything pending now (ignoring scheduled retry times), then report."""
        targets = list(self._targets())
        self.sent = 0
        for target in targets:
            if self.stop.is_set():
                break
            with self._client_factory(target, self.settings) as client:
                self.enqueue(target, full=True)
                self._drain(target, client, due_only=False)
        for target in targets:
            self.enqueue(target, full=False)
        return self.report([target.id for target in targets])

    def run_forever(self) -> None:
        """Forward until ``stop`` is set, sleeping when idle and backing off, per endpoint,
        while an LRS is unreachable. Database errors are logged and retried."""
        clients: dict[Target, LrsClient] = {}
        failures: dict[int, int] = {}
        resume_at: dict[int, datetime] = {}
        last_sweep: dict[int, datetime] = {}
        try:
            while not self.stop.is_set():
                busy = False
                try:
                    for target in self._targets():
                        if self.stop.is_set() or resume_at.get(target.id, utcnow()) > utcnow():
                            continue
                        client = clients.get(target)
                        if client is None:
                            client = clients[target] = self._client_factory(target, self.settings)
                        swept = last_sweep.get(target.id)
                        full = swept is None or utcnow() - swept > timedelta(seconds=SWEEP_SECONDS)
                        self.enqueue(target, full=full)
                        if full:
                            last_sweep[target.id] = utcnow()
                        batches, reachable = self._drain(
                            target, client, due_only=True, max_batches=BATCHES_PER_TURN
                        )
                        busy = busy or batches > 0
                        if reachable:
                            failures[target.id] = 0
                            continue
                        count = failures.get(target.id, 0)
                        failures[target.id] = count + 1
                        delay = backoff_delay(
                            count, self.settings.backoff_base, LOOP_BACKOFF_CAP, rng=self._rng
                        )
                        resume_at[target.id] = utcnow() + timedelta(seconds=delay)
                        log.warning("%s unreachable, next try in %.0f s", target.name, delay)
                except Exception:  # noqa: BLE001 - a long-running worker must survive a DB outage
                    log.exception("forwarding failed; retrying")
                    busy = False
                if not busy:
                    self.stop.wait(self.settings.idle_seconds)
        finally:
            for client in clients.values():
                client.close()

    def _drain(
        self,
        target: Target,
        client: LrsClient,
        *,
        due_only: bool,
        max_batches: int | None = None,
    ) -> tuple[int, bool]:
        """Send claimable batches until none is left (or ``max_batches``); returns how many
        batches went out and False when the endpoint proved unreachable.

        The database work runs on a helper thread while a POST is in flight: the next batch
        is claimed, and the last one's outcome recorded, without the LRS waiting for us."""
        batches, reachable = 0, True
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="xapi-db") as db_thread:
            self._db_thread, self._writes = db_thread, []
            upcoming: Future | None = db_thread.submit(self._claim, target, due_only=due_only)
            try:
                while upcoming is not None and not self.stop.is_set():
                    claim = upcoming.result()
                    upcoming = None
                    if not claim.items:
                        break
                    batches += 1
                    if max_batches is None or batches < max_batches:
                        upcoming = db_thread.submit(self._claim, target, due_only=due_only)
                    reachable = self._deliver(target, client, claim)
                    self._check_writes()
                    if self.on_batch is not None:
                        self.on_batch(self)
                    if not reachable:
                        break
            finally:
                leftover = upcoming.result() if upcoming is not None else None
                if leftover is not None and leftover.items:
                    self._release([item_id for item_id, _ in leftover.items], leftover.token)
                self._db_thread = None
                for write in self._writes:
                    write.result()
                self._writes = []
        return batches, reachable

    def _check_writes(self) -> None:
        # Surface a failed background write now rather than after the whole backlog.
        done = [write for write in self._writes if write.done()]
        for write in done:
            write.result()
        self._writes = [write for write in self._writes if not write.done()]

    def report(self, endpoint_ids: Sequence[int]) -> ForwardReport:
        """Sent so far by this forwarder, and pending/dead deliveries at these endpoints now."""
        counts = {"pending": 0, "dead": 0}
        if endpoint_ids:
            query = (
                select(Delivery.state, func.count())
                .where(Delivery.endpoint_id.in_(endpoint_ids), Delivery.state != "sent")
                .group_by(Delivery.state)
            )
            with Session(self.engine) as session:
                counts.update(dict(session.execute(query).tuples().all()))
        return ForwardReport(sent=self.sent, pending=counts["pending"], dead=counts["dead"])

    # --- enqueue and claim -----------------------------------------------------------------
    def enqueue(self, target: Target, *, full: bool) -> None:
        """Create the pending delivery rows of statements this endpoint has not seen yet."""
        already = exists().where(
            Delivery.statement_seq == Statement.seq, Delivery.endpoint_id == target.id
        )
        now = utcnow()
        source = select(
            Statement.seq,
            literal(target.id, Integer),
            literal("pending", String),
            literal(0, Integer),
            literal(now, UTCDateTime),
        ).where(~already)
        if target.scope == "completions":
            source = source.where(Statement.verb.in_(COMPLETION_VERBS))
        with Session(self.engine) as session, session.begin():
            if not full:
                newest = session.scalar(
                    select(func.max(Delivery.statement_seq)).where(
                        Delivery.endpoint_id == target.id
                    )
                )
                if newest is not None:
                    source = source.where(Statement.seq > newest - LOOKBACK)
            dialect_insert = postgresql.insert if self._postgres else sqlite.insert
            statement = (
                dialect_insert(Delivery)
                .from_select(
                    ["statement_seq", "endpoint_id", "state", "attempts", "updated_at"], source
                )
                .on_conflict_do_nothing()
            )
            session.execute(statement)

    def _claimable(self, target: Target, limit: int, due_only: bool, now: datetime):
        conditions = [
            Delivery.endpoint_id == target.id,
            Delivery.state == "pending",
            or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
        ]
        if due_only:
            conditions.append(or_(Delivery.next_try_at.is_(None), Delivery.next_try_at <= now))
        return (
            select(Delivery.id, Statement.text)
            .join(Statement, Statement.seq == Delivery.statement_seq)
            .where(and_(*conditions))
            .order_by(Delivery.statement_seq)
            .limit(limit)
        )

    def _claim(self, target: Target, *, due_only: bool) -> _Claim:
        """Take up to one batch of pending deliveries, with their texts, for this forwarder
        alone. Core connections, not ORM sessions: this runs once per batch."""
        claim = _Claim(token=secrets.token_hex(16))
        now = utcnow()
        until = now + timedelta(seconds=self.settings.claim_seconds)
        query = self._claimable(target, self.settings.batch_size, due_only, now)
        if self._postgres:
            with self.engine.begin() as connection:
                locked = query.with_for_update(of=Delivery, skip_locked=True)
                claim.items = [(row.id, row.text) for row in connection.execute(locked)]
                self._take(connection, claim, until)
            return self._identified(target, claim)
        # SQLite has no row locks: BEGIN IMMEDIATE takes the database's single write lock
        # before reading, so no other forwarder can claim between our SELECT and UPDATE.
        with self.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                claim.items = [(row.id, row.text) for row in connection.execute(query)]
                self._take(connection, claim, until)
            except BaseException:
                connection.exec_driver_sql("ROLLBACK")
                raise
            connection.exec_driver_sql("COMMIT")
        return self._identified(target, claim)

    def _identified(self, target: Target, claim: _Claim) -> _Claim:
        """The claim's texts as this endpoint must receive them: our accounts as the endpoint
        identifies people, older statements' e-mail addresses too unless it is ``mbox``; the
        same text at every try."""
        if not claim.items:
            return claim
        how = identity.Identification(
            target.actor_identity, self.settings.home_page, self.settings.pseudonym_key
        )
        statements = [json.loads(text) for _, text in claim.items]
        names = identity.accounts_in(statements, self.settings.home_page)
        emails = identity.emails_in(statements) if how.kind != identity.MBOX else set()
        if not names and not emails:
            return claim
        with Session(self.engine) as session:
            people = identity.people_by_email(session, emails)
            accounts = identity.people_by_account(session, names)
        claim.items = [
            (
                delivery_id,
                to_json(
                    identity.identify(
                        statement,
                        people,
                        how,
                        accounts=accounts,
                        home_page=self.settings.home_page,
                    )
                ),
            )
            for (delivery_id, _), statement in zip(claim.items, statements, strict=True)
        ]
        return claim

    @staticmethod
    def _take(connection, claim: _Claim, until: datetime) -> None:
        if claim.items:
            connection.execute(
                update(Delivery)
                .where(Delivery.id.in_([item_id for item_id, _ in claim.items]))
                .values(claimed_until=until, claim_token=claim.token)
            )

    # --- delivery --------------------------------------------------------------------------
    def _deliver(self, target: Target, client: LrsClient, claim: _Claim) -> bool:
        """Send one claimed batch; False when the endpoint proved unreachable."""
        try:
            self._send(target, client, claim.token, claim.items)
        except _Unreachable:
            return False
        return True

    def _send(
        self, target: Target, client: LrsClient, token: str, items: list[tuple[int, str]]
    ) -> None:
        result = self._post(target, client, [text for _, text in items])
        ids = [delivery_id for delivery_id, _ in items]
        if result.ok:
            self._mark(ids, token, state="sent", result=result)
            self.sent += len(ids)
            return
        if result.outcome == "retry":
            self._mark(ids, token, state="pending", result=result)
            raise _Unreachable(result)
        if len(items) == 1:
            log.warning(
                "%s refused statement (delivery %s): %s", target.name, ids[0], result.reason
            )
            self._mark(ids, token, state="dead", result=result)
            return
        # Refused as a whole: halve until the refused statements stand alone, so every
        # good statement still goes through.
        middle = len(items) // 2
        try:
            self._send(target, client, token, items[:middle])
        except _Unreachable:
            self._release([delivery_id for delivery_id, _ in items[middle:]], token)
            raise
        self._send(target, client, token, items[middle:])

    def _post(self, target: Target, client: LrsClient, texts: list[str]) -> PostResult:
        """POST one batch, retrying network errors, 5xx and 429 with backoff and jitter."""
        settings = self.settings
        result = PostResult("retry", reason="stopped before sending")
        for attempt in range(max(1, settings.tries)):
            result = client.post_statements(texts)
            if result.outcome != "retry" or attempt + 1 >= settings.tries:
                break
            if result.retry_after is not None and result.retry_after > settings.backoff_cap:
                break  # the LRS asks for a long pause: leave it to a later run
            delay = backoff_delay(
                attempt,
                settings.backoff_base,
                settings.backoff_cap,
                retry_after=result.retry_after,
                rng=self._rng,
            )
            log.info(
                "%s: %s (try %d of %d), again in %.2f s",
                target.name,
                result.reason or result.status_code,
                attempt + 1,
                settings.tries,
                delay,
            )
            if self.stop.wait(delay):
                break
        return result

    def _mark(self, ids: list[int], token: str, *, state: str, result: PostResult) -> None:
        """Record what became of these deliveries (on the database thread while draining)."""
        if self._db_thread is not None:
            self._writes.append(
                self._db_thread.submit(self._write_mark, ids, token, state=state, result=result)
            )
        else:
            self._write_mark(ids, token, state=state, result=result)

    def _write_mark(self, ids: list[int], token: str, *, state: str, result: PostResult) -> None:
        now = utcnow()
        values: dict[str, Any] = {
            "state": state,
            "attempts": Delivery.attempts + 1,
            "last_status": result.status_code,
            "claimed_until": None,
            "claim_token": None,
            "updated_at": now,
        }
        if state == "sent":
            values.update(sent_at=now, last_error=None, next_try_at=None)
        elif state == "dead":
            values.update(last_error=_error_text(result), next_try_at=None)
        else:
            attempts = select(func.max(Delivery.attempts)).where(Delivery.id.in_(ids))
            with self.engine.connect() as connection:
                tries_so_far = connection.scalar(attempts) or 0
            delay = backoff_delay(
                tries_so_far,
                self.settings.backoff_base,
                LOOP_BACKOFF_CAP,
                retry_after=result.retry_after,
                rng=self._rng,
            )
            values.update(
                last_error=_error_text(result), next_try_at=now + timedelta(seconds=delay)
            )
        with self.engine.begin() as connection:
            connection.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), Delivery.claim_token == token)
                .values(**values)
            )

    def _release(self, ids: list[int], token: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), Delivery.claim_token == token)
                .values(claimed_until=None, claim_token=None)
            )


def _error_text(result: PostResult) -> str:
    status = f"HTTP {result.status_code}: " if result.status_code else ""
    return status + (result.reason or "no reason given")


def _default_client(target: Target, settings: ForwardSettings) -> LrsClient:
    return LrsClient(
        target.url,
        target.username,
        target.password,
        version=settings.xapi_version,
        timeout=settings.timeout,
    )


def retry_dead(
    session: Session,
    *,
    statement_id: str | None = None,
    endpoint_id: int | None = None,
) -> int:
    """Put dead letters back to pending (all, or one statement's, or one endpoint's); returns
    how many. Flushes, never commits."""
    query = update(Delivery).where(Delivery.state == "dead")
    if statement_id is not None:
        seq = select(Statement.seq).where(Statement.id == statement_id).scalar_subquery()
        query = query.where(Delivery.statement_seq == seq)
    if endpoint_id is not None:
        query = query.where(Delivery.endpoint_id == endpoint_id)
    result = session.execute(
        query.values(state="pending", next_try_at=None, updated_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    session.flush()
    return result.rowcount
