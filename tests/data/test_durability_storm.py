"""Every acknowledged write survives a storm of kill -9: writes through the router while workers die.

Client threads create supplies and record movements through the router, each request with its own
`Idempotency-Key`, retrying with the same key after any failure (502 when its worker died, 503
while none is ready, a reset or truncated answer). Meanwhile inventory replicas are killed with
SIGKILL at random moments. Afterwards every acknowledged record is in the database exactly once,
no record exists twice, the stock levels equal the sum of their movements, and the database's own
check passes (`PRAGMA integrity_check` on SQLite; amcheck's `bt_index_check` of every index on
PostgreSQL, whose heap has no equivalent check).

`GANGER_KILL_STORM=<kills>` sets the number of kills (48 in `make test`, 300 in `make durability`).
The runtime backs a crashing replica off (0.2 s doubling to 10 s), so the storm spreads its kills
over several replicas: about six kills each keeps it well under a minute.
"""

from __future__ import annotations

import json
import math
import os
import random
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import pytest
import sqlalchemy as sa

from tests.support.platform import RunningPlatform, start_platform, worker_pids

from .fixtures import drop_schemas
from .manifests import manifest_with

WORKER = "ganger-inventory-staff"
KILLS = int(os.environ.get("GANGER_KILL_STORM", "48"))
REPLICAS = min(16, max(2, math.ceil(KILLS / 6)))
WRITERS = 4
SUPPLIES = 4
JSON = {"Content-Type": "application/json", "Accept": "application/json"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def storm_platform(request: pytest.FixtureRequest,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningPlatform, str]]:
    url = ""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    folder = tmp_path_factory.mktemp("storm")
    manifest = manifest_with(folder, ["ganger-staff-management", WORKER], {WORKER: REPLICAS})
    running = start_platform(folder / "data", manifest=manifest, env={"DATABASE_URL": url})
    try:
        yield running, url
    finally:
        running.stop()
        if url:
            drop_schemas(url)


@dataclass
class Tally:
    """What the clients saw: acknowledged records by key, and every failed attempt by kind."""

    movements: dict[str, int] = field(default_factory=dict)  # key -> movement id
    supplies: dict[str, int] = field(default_factory=dict)  # key (= sku) -> supply id
    failures: Counter[str] = field(default_factory=Counter)
    replayed: int = 0  # acknowledged by a retry whose first attempt had already committed
    lock: threading.Lock = field(default_factory=threading.Lock)


def send_until_acknowledged(platform: RunningPlatform, session: str, path: str, body: dict[str, object],
                            key: str, tally: Tally, deadline: float) -> tuple[dict[str, object], datetime | None]:
    """POST with `key` until a complete 201 arrives: (the answer, when the answered attempt was sent if
    an earlier one failed)."""
    payload = json.dumps(body).encode()
    failed = False
    while time.monotonic() < deadline:
        sent_at = datetime.now().astimezone()
        try:
            response = platform.request("POST", path, body=payload, session=session, timeout=15,
                                        headers=JSON | {"Idempotency-Key": key})
        except (OSError, ValueError, IndexError) as exc:
            tally.failures[type(exc).__name__] += 1
            failed = True
            time.sleep(0.02)
            continue
        length = response.header("content-length")
        complete = length is None or int(length) == len(response.body)
        if response.status == 201 and complete:
            return json.loads(response.body), sent_at if failed else None
        assert response.status in (201, 502, 503, 504), (response.status, response.body[:300])
        tally.failures[str(response.status) if complete else "truncated"] += 1
        failed = True
        time.sleep(0.02)
    raise AssertionError(f"{key} was never acknowledged")


def writer(platform: RunningPlatform, session: str, supply_ids: list[int], tally: Tally, stop: threading.Event,
           number: int) -> None:
    rng = random.Random(number)
    sent = 0
    while not stop.is_set():
        sent += 1
        key = f"storm-{number}-{sent}-{uuid.uuid4().hex[:8]}"
        if sent % 10 == 0:
            answer, _ = send_until_acknowledged(
                platform, session, "/inventory/api/supplies",
                {"name": "Storm supply", "sku": key, "unit": "box", "location": "Storm room"}, key, tally,
                time.monotonic() + 120)
            with tally.lock:
                tally.supplies[key] = int(answer["id"])  # type: ignore[arg-type]
            continue
        body = {"supply_id": rng.choice(supply_ids), "kind": rng.choice(["receive", "receive", "adjust"]),
                "quantity": rng.randint(1, 5), "note": key}
        answer, retried_at = send_until_acknowledged(platform, session, "/inventory/api/movements", body, key, tally,
                                                 time.monotonic() + 120)
        movement = answer["movement"]
        assert isinstance(movement, dict)
        with tally.lock:
            tally.movements[key] = int(movement["id"])
            if retried_at and datetime.fromisoformat(str(movement["createdAt"])) < retried_at:
                tally.replayed += 1


def kill_storm(platform: RunningPlatform, kills: int, stop_writers: threading.Event) -> tuple[int, float]:
    """SIGKILL a random ready replica `kills` times at random moments; (kills done, seconds taken)."""
    rng = random.Random(os.environ.get("GANGER_KILL_SEED", "9"))
    started = time.monotonic()
    done = 0
    while done < kills:
        assert time.monotonic() - started < 60 + kills * 3, f"only {done} of {kills} kills happened"
        time.sleep(rng.uniform(0.0, 0.4))
        ready = worker_pids(platform, WORKER)
        if not ready:
            continue
        try:
            os.kill(rng.choice(ready), signal.SIGKILL)
        except ProcessLookupError:
            continue
        done += 1
    elapsed = time.monotonic() - started
    stop_writers.set()
    return done, elapsed


def test_every_acknowledged_write_survives_a_kill_storm(storm_platform: tuple[RunningPlatform, str]) -> None:
    platform, url = storm_platform
    session = platform.sign_in()
    tally = Tally()
    supply_ids = []
    for n in range(SUPPLIES):
        key = f"storm-supply-{n}"
        answer, _ = send_until_acknowledged(platform, session, "/inventory/api/supplies",
                                            {"name": f"Storm base {n}", "sku": key, "unit": "box",
                                             "location": "Storm room"}, key, tally, time.monotonic() + 30)
        tally.supplies[key] = int(answer["id"])  # type: ignore[arg-type]
        supply_ids.append(int(answer["id"]))  # type: ignore[arg-type]

    stop = threading.Event()
    errors: list[BaseException] = []

    def guarded(number: int) -> None:
        try:
            writer(platform, session, supply_ids, tally, stop, number)
        except BaseException as exc:  # noqa: BLE001 (reported below, with the storm stopped)
            errors.append(exc)
            stop.set()

    threads = [threading.Thread(target=guarded, args=(n,), daemon=True) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    try:
        kills, seconds = kill_storm(platform, KILLS, stop)
    finally:
        stop.set()
        for thread in threads:
            thread.join(150)
    assert not errors, errors[0]

    platform.stop()  # the last writes are checked from the files (and schema) the platform left behind
    found = read_back(platform, url)
    check(found, tally)
    print(f"\nkill storm ({'postgresql' if url else 'sqlite'}): {kills} kills of {REPLICAS} replicas in {seconds:.1f} s; "
          f"{len(tally.movements)} movements and {len(tally.supplies)} supplies acknowledged, all present once; "
          f"failed attempts retried: {dict(tally.failures)}; acknowledged by replay after a lost answer: "
          f"{tally.replayed}; integrity: {found.integrity}")


@dataclass
class Found:
    movements: list[tuple[int, str | None]]  # (id, note)
    supplies: list[tuple[int, str]]  # (id, sku)
    mismatched_stock: list[tuple[object, ...]]
    unfinished_keys: int
    answered_keys: int
    integrity: str


def read_back(platform: RunningPlatform, url: str) -> Found:
    if url:
        engine = sa.create_engine(url, connect_args={"options": "-c search_path=inventory"})
    else:
        engine = sa.create_engine(f"sqlite:///{platform.data_dir / 'db' / 'inventory.sqlite3'}")
    try:
        with engine.connect() as connection:
            if url:
                integrity = postgres_index_check(connection)
            else:
                integrity = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            mismatched = connection.exec_driver_sql(
                "SELECT s.supply_id, s.location, s.quantity, COALESCE(m.total, 0) FROM stock s "
                "FULL OUTER JOIN (SELECT supply_id, location, SUM(delta) AS total FROM movements "
                "GROUP BY supply_id, location) m ON m.supply_id = s.supply_id AND m.location = s.location "
                "WHERE s.quantity IS DISTINCT FROM COALESCE(m.total, 0)" if url else
                "SELECT s.supply_id, s.location, s.quantity, COALESCE(m.total, 0) FROM stock s "
                "LEFT JOIN (SELECT supply_id, location, SUM(delta) AS total FROM movements "
                "GROUP BY supply_id, location) m ON m.supply_id = s.supply_id AND m.location = s.location "
                "WHERE s.quantity IS NOT COALESCE(m.total, 0)"
            ).all()
            orphans = connection.exec_driver_sql(
                "SELECT COUNT(*) FROM movements m WHERE NOT EXISTS (SELECT 1 FROM stock s "
                "WHERE s.supply_id = m.supply_id AND s.location = m.location)").scalar()
            assert orphans == 0
            return Found(
                movements=[tuple(r) for r in connection.exec_driver_sql("SELECT id, note FROM movements")],  # type: ignore[misc]
                supplies=[tuple(r) for r in connection.exec_driver_sql("SELECT id, sku FROM supplies")],  # type: ignore[misc]
                mismatched_stock=[tuple(r) for r in mismatched],
                unfinished_keys=connection.exec_driver_sql(
                    "SELECT COUNT(*) FROM idempotency_keys WHERE status <> 201").scalar() or 0,
                answered_keys=connection.exec_driver_sql("SELECT COUNT(*) FROM idempotency_keys").scalar() or 0,
                integrity=str(integrity),
            )
    finally:
        engine.dispose()


def postgres_index_check(connection: sa.Connection) -> str:
    """amcheck's `bt_index_check` (with every heap tuple looked up in the index) on each of the
    store's B-tree indexes; it raises if one is corrupt."""
    connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS amcheck SCHEMA public")
    indexes = connection.exec_driver_sql(
        "SELECT c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n "
        "ON n.oid = c.relnamespace JOIN pg_am a ON a.oid = c.relam WHERE n.nspname = 'inventory' "
        "AND a.amname = 'btree'").scalars().all()
    assert indexes
    for oid in indexes:
        connection.exec_driver_sql(f"SELECT public.bt_index_check({int(oid)}, true)")
    connection.commit()
    return "ok"


def check(found: Found, tally: Tally) -> None:
    assert found.integrity == "ok"
    assert found.mismatched_stock == [], "stock levels that are not the sum of their movements"
    notes = Counter(note for _, note in found.movements)
    assert [n for n, count in notes.items() if count > 1] == [], "a movement written twice"
    by_note = {note: movement_id for movement_id, note in found.movements}
    for key, movement_id in tally.movements.items():
        assert by_note.get(key) == movement_id, f"acknowledged movement {key} is missing or another row"
    by_sku = {sku: supply_id for supply_id, sku in found.supplies}
    for key, supply_id in tally.supplies.items():
        assert by_sku.get(key) == supply_id, f"acknowledged supply {key} is missing or another row"
    assert found.unfinished_keys == 0, "a claimed key without its answer: claim and write did not commit together"
    # Every row came from a keyed request; unacknowledged ones can only be the writers' last attempts.
    assert len(found.movements) - len(tally.movements) <= WRITERS
    assert found.answered_keys - len(tally.movements) - len(tally.supplies) <= WRITERS
