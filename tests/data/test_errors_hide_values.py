"""A failed statement's error text never carries the values it was given (they reach logs)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ganger.data import Store
from ganger.logs import JsonFormatter

from .fixtures import Database

MIGRATIONS = Path(__file__).resolve().parents[2] / "apps" / "inventory_staff" / "migrations"
CANARY = "CANARY-PATIENT-Jane-Doe-1234"


def test_database_error_text_hides_bound_values(database: Database) -> None:
    store = Store("inventory", migrations=MIGRATIONS)
    store.open()
    try:
        insert = sa.text("INSERT INTO idempotency_keys (key, fingerprint, status, body, created_at) "
                         "VALUES ('k', :print_, 0, :body, CURRENT_TIMESTAMP)")
        with store.write() as connection:
            connection.execute(insert, {"print_": "f", "body": CANARY})
        with pytest.raises(IntegrityError) as raised, store.write() as connection:
            connection.execute(insert, {"print_": "f", "body": CANARY})
    finally:
        store.close()
    record = logging.LogRecord("ganger.sdk", logging.ERROR, __file__, 1, "unhandled error", None,
                               (IntegrityError, raised.value, None))
    line = JsonFormatter().format(record)
    assert "idempotency_keys" in line  # the statement is still there to debug with
    assert CANARY not in line
