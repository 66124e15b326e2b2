"""Only the runtime may read a worker's metrics; replicas' texts merge into one labelled exposition."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from ganger.monitoring.scrape import merge_worker_texts, runtime_request_allowed, runtime_token

SECRET = b"s" * 32
NOW = 1_800_000_000.0


def headers(token: bytes | None, *extra: tuple[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    found = [(b"host", b"runtime"), *extra]
    return found + [(b"x-ganger-runtime", token)] if token is not None else found


def test_fresh_runtime_token_is_accepted() -> None:
    assert runtime_request_allowed(SECRET, headers(runtime_token(SECRET, NOW)), now=NOW + 5)


def test_token_older_than_thirty_seconds_is_refused() -> None:
    assert not runtime_request_allowed(SECRET, headers(runtime_token(SECRET, NOW)), now=NOW + 31)


def test_token_from_another_secret_is_refused() -> None:
    assert not runtime_request_allowed(SECRET, headers(runtime_token(b"other" * 8, NOW)), now=NOW)


def test_request_without_token_is_refused() -> None:
    assert not runtime_request_allowed(SECRET, headers(None), now=NOW)


def test_valid_token_forwarded_by_the_router_is_refused() -> None:
    forwarded = headers(runtime_token(SECRET, NOW), (b"X-Ganger-Router", b"staff-portal"))
    assert not runtime_request_allowed(SECRET, forwarded, now=NOW)


def test_repeated_token_header_is_refused() -> None:
    token = runtime_token(SECRET, NOW)
    assert not runtime_request_allowed(SECRET, headers(token, (b"x-ganger-runtime", token)), now=NOW)


def test_malformed_token_is_refused() -> None:
    assert not runtime_request_allowed(SECRET, headers(b"yesterday.abc"), now=NOW)


REPLICA_TEXT = """# HELP ganger_worker_http_requests_total Requests.
# TYPE ganger_worker_http_requests_total counter
ganger_worker_http_requests_total{route="/",method="GET",status="200"} %d
# HELP ganger_worker_http_in_flight In flight.
# TYPE ganger_worker_http_in_flight gauge
ganger_worker_http_in_flight 0
"""


def test_merged_text_labels_every_sample_with_worker_and_replica() -> None:
    text = merge_worker_texts({("a", 0): REPLICA_TEXT % 3, ("a", 1): REPLICA_TEXT % 4, ("b", 0): REPLICA_TEXT % 5})
    samples = {(s.name, s.labels["worker"], s.labels["replica"]): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    assert samples[("ganger_worker_http_requests_total", "a", "0")] == 3
    assert samples[("ganger_worker_http_requests_total", "a", "1")] == 4
    assert samples[("ganger_worker_http_requests_total", "b", "0")] == 5


def test_merged_text_names_each_family_once() -> None:
    text = merge_worker_texts({("a", 0): REPLICA_TEXT % 1, ("b", 0): REPLICA_TEXT % 2})
    assert text.count("# TYPE ganger_worker_http_requests_total counter") == 1


def test_a_replica_answering_nonsense_does_not_hide_the_others() -> None:
    text = merge_worker_texts({("a", 0): "{\"not\": \"metrics\"}", ("b", 0): REPLICA_TEXT % 2})
    assert 'worker="b"' in text and 'worker="a"' not in text
