"""Tell the coaches' open streams that a live session changed, on any worker of any server.

The state stays in the database; this only wakes the streams waiting for a new revision. Each
web process has one watcher thread, started by the first stream, that reads the revisions of the
sessions being watched in one query whenever something may have changed:

- on PostgreSQL, when a ``NOTIFY live_revision`` arrives (sent by the transaction that bumped a
  revision, delivered by PostgreSQL at its commit, to every process of every server listening);
- on SQLite (the single-server demo), when a commit of this process bumped one (the in-process
  notifier), and every ``SQLITE_INTERVAL`` seconds for the other processes of the server;
- in any case every ``SAFETY_INTERVAL`` seconds, should a notification be lost while the
  listening connection reconnects.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterator

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from lms.live.models import LiveSession

CHANNEL = "live_revision"
SQLITE_INTERVAL = 0.2
SAFETY_INTERVAL = 5.0
# How often the PostgreSQL listener looks up from waiting, for a stream that just started.
LISTEN_TICK = 0.25
# The watcher thread (and its listening connection) ends after this long with nothing to watch.
IDLE_SECONDS = 30.0
log = logging.getLogger(__name__)


def announce(session: Session, live_id: int) -> None:
    """Called by the transaction that bumps a revision: the watchers hear of it at its commit."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_notify(CHANNEL, str(live_id))))
    else:
        session.info["live_changed"] = True


@event.listens_for(Session, "after_commit")
def _wake_local_watchers(session: Session) -> None:
    if session.info.pop("live_changed", False):
        for watcher in list(_watchers.values()):
            watcher.wake()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop("live_changed", None)


class RevisionWatcher:
    """The latest revision of each watched live session, for the threads of one process."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.postgresql = engine.dialect.name == "postgresql"
        self._changed = threading.Condition()
        self._revisions: dict[int, int] = {}
        self._watching: dict[int, int] = {}  # live id → number of waiting streams
        self._woken = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_watched = 0.0

    def wake(self) -> None:
        self._woken.set()

    def watching(self, live_id: int) -> bool:
        """Whether a stream of this process is waiting for ``live_id`` to change."""
        with self._changed:
            return live_id in self._watching

    def wait(self, live_id: int, known: int, timeout: float) -> int | None:
        """Block until ``live_id`` has a revision above ``known`` (returned) or ``timeout``
        seconds have passed (None). Holds no database connection while waiting."""
        self._start()
        deadline = time.monotonic() + timeout
        with self._changed:
            self._watching[live_id] = self._watching.get(live_id, 0) + 1
            self.wake()  # read this session's revision now
            try:
                while self._revisions.get(live_id, known) <= known:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return None
                    self._changed.wait(left)
                return self._revisions[live_id]
            finally:
                self._watching[live_id] -= 1
                if not self._watching[live_id]:
                    del self._watching[live_id]

    def _start(self) -> None:
        with self._changed:
            self._last_watched = time.monotonic()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="live-watcher", daemon=True)
                self._thread.start()

    def _idle(self) -> bool:
        with self._changed:
            if self._watching:
                self._last_watched = time.monotonic()
                return False
            if time.monotonic() - self._last_watched < IDLE_SECONDS:
                return False
            self._thread = None  # the next wait starts another
            self._revisions.clear()
            return True

    def _run(self) -> None:
        failing = False
        while True:
            try:
                if self.postgresql:
                    self._listen()
                else:
                    self._poll()
                return
            except Exception:  # the database went away: watch again after a pause
                if not failing:
                    log.exception("live session watcher failed; trying again every second")
                failing = True
                if self._idle():
                    return
                time.sleep(1.0)

    def _poll(self) -> None:
        while not self._idle():
            self._woken.wait(SQLITE_INTERVAL)
            self._woken.clear()
            self._read()

    def _listen(self) -> None:
        import psycopg

        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url, autocommit=True) as listener:
            listener.execute(f"LISTEN {CHANNEL}")
            last_read = 0.0
            while not self._idle():
                # A notification, a new stream (wake) or the safety interval: read again.
                heard = any(True for _ in listener.notifies(timeout=LISTEN_TICK, stop_after=1))
                due = time.monotonic() - last_read >= SAFETY_INTERVAL
                if heard or due or self._woken.is_set():
                    self._woken.clear()
                    last_read = time.monotonic()
                    self._read()

    def _read(self) -> None:
        with self._changed:
            watched = list(self._watching)
        if not watched:
            return
        query = select(LiveSession.id, LiveSession.revision).where(LiveSession.id.in_(watched))
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        with self._changed:
            changed = False
            for live_id, revision in rows:
                if self._revisions.get(live_id) != revision:
                    self._revisions[live_id] = revision
                    changed = True
            if changed:
                self._changed.notify_all()


_watchers: dict[str, RevisionWatcher] = {}
_watchers_lock = threading.Lock()


def watcher_for(engine: Engine) -> RevisionWatcher:
    """The watcher of this process for ``engine``'s database."""
    key = engine.url.render_as_string(hide_password=False)
    with _watchers_lock:
        watcher = _watchers.get(key)
        if watcher is None:
            watcher = _watchers[key] = RevisionWatcher(engine)
        return watcher


def sse_event(revision: int, html: str, name: str = "state") -> str:
    """One server-sent event carrying an HTML fragment; its id is the session's revision."""
    data = "".join(f"data: {line}\n" for line in html.splitlines())
    return f"id: {revision}\nevent: {name}\n{data}\n"


class StreamSlots:
    """An application's streams in this process: how many are open (bounded, so that
    gunicorn keeps threads for other requests), and the fragments coaches' streams share,
    (live id, revision, language, second of the timer) → HTML, latest revision only."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rendering = threading.Lock()
        self.open = 0
        self.shared: dict[tuple, str] = {}

    def take(self, bound: int) -> bool:
        with self.lock:
            if self.open >= bound:
                return False
            self.open += 1
            return True

    def release(self) -> None:
        with self.lock:
            self.open -= 1


def follow_screen(
    watcher: RevisionWatcher,
    live_id: int,
    *,
    seconds: float,
    retry_ms: int,
    every: float,
    activity: Callable[[], tuple],
    render: Callable[[], str],
    name: str = "screen",
) -> Iterator[str]:
    """Server-sent events for a trainer's screen (control panel, projector): the fragment at
    once, then whenever the session's ``activity`` changes — its revision (woken at once) or
    what moves without one, answers and arrivals (read every ``every`` seconds). ``activity``
    returns a tuple whose first item is the revision."""
    yield f"retry: {retry_ms}\n\n"
    ends = time.monotonic() + seconds
    sent = None
    while (left := ends - time.monotonic()) > 0:
        mark = activity()
        if mark != sent:
            yield sse_event(mark[0], render(), name)
            sent = mark
        watcher.wait(live_id, mark[0], min(left, every))
