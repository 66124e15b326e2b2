"""The router's signature over who, what and when: workers accept only a fresh, exact one."""

from __future__ import annotations

from ganger.identity import User, sign, verify

SECRET = b"s" * 32
USER = User("anna@gangerdermatology.com", "Anna", frozenset({"staff", "admin"}))


def test_a_signed_request_gives_back_the_user() -> None:
    headers = sign(SECRET, USER, b"GET", b"/inventory/", now=1000)
    assert verify(SECRET, headers, b"GET", b"/inventory/", now=1001) == USER


def test_a_signature_for_another_path_is_refused() -> None:
    headers = sign(SECRET, USER, b"GET", b"/inventory/", now=1000)
    assert verify(SECRET, headers, b"GET", b"/config/", now=1001) is None


def test_a_signature_for_another_method_is_refused() -> None:
    headers = sign(SECRET, USER, b"GET", b"/inventory/", now=1000)
    assert verify(SECRET, headers, b"DELETE", b"/inventory/", now=1001) is None


def test_a_stale_signature_is_refused() -> None:
    headers = sign(SECRET, USER, b"GET", b"/inventory/", now=1000)
    assert verify(SECRET, headers, b"GET", b"/inventory/", now=1000 + 31) is None


def test_a_signature_with_another_secret_is_refused() -> None:
    headers = sign(b"o" * 32, USER, b"GET", b"/inventory/", now=1000)
    assert verify(SECRET, headers, b"GET", b"/inventory/", now=1000) is None


def test_a_changed_identity_is_refused() -> None:
    headers = sign(SECRET, USER, b"GET", b"/", now=1000)
    forged = sign(SECRET, User("eve@gangerdermatology.com", "Eve"), b"GET", b"/", now=1000)
    mixed = [forged[0], headers[1], headers[2]]
    assert verify(SECRET, mixed, b"GET", b"/", now=1000) is None


def test_repeated_identity_headers_are_refused() -> None:
    headers = sign(SECRET, USER, b"GET", b"/", now=1000)
    assert verify(SECRET, headers + headers[:1], b"GET", b"/", now=1000) is None


def test_missing_headers_are_refused() -> None:
    assert verify(SECRET, [], b"GET", b"/", now=1000) is None


def test_processes_starting_together_on_a_new_data_dir_share_one_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    script = "import sys; from pathlib import Path; from ganger.identity import load_secret; " \
             "print(load_secret(Path(sys.argv[1])).decode())"
    environment = {k: v for k, v in os.environ.items() if k != "GANGER_SECRET"}
    runs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                             env=environment) for _ in range(6)]
    keys = {run.communicate(timeout=30)[0].strip() for run in runs}
    assert len(keys) == 1 and len(keys.pop()) >= 48
    assert (tmp_path / "secrets" / "platform.key").stat().st_mode & 0o077 == 0
    assert [p.name for p in (tmp_path / "secrets").iterdir()] == ["platform.key"]
