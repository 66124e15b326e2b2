"""The canary's verdict and the router's choice between generations, without processes."""

from __future__ import annotations

import zlib

from ganger.control import ReplicaState, WorkerState
from ganger.monitoring import BUCKETS
from ganger.router.targets import Target
from ganger.runtime.canary import Comparison


def tally(requests: int, errors: int, seconds_each: float) -> list[float]:
    buckets = [0] * (len(BUCKETS) + 1)
    buckets[next(i for i, edge in enumerate(BUCKETS) if seconds_each <= edge)] = requests
    return [requests, errors, requests * seconds_each, *buckets]


def verdict(stable: list[float], canary: list[float]) -> tuple[bool, str]:
    comparison = Comparison()
    comparison.add({"stable": stable, "canary": canary})
    return comparison.verdict()


def test_a_canary_as_good_as_stable_is_promoted() -> None:
    assert verdict(tally(900, 1, 0.004), tally(100, 0, 0.004))[0] is True


def test_more_errors_latency_or_too_little_traffic_roll_back() -> None:
    assert verdict(tally(900, 0, 0.004), tally(100, 5, 0.004)) == (
        False, "error rate 5.00% on the canary vs 0.00% on the stable generation")
    promoted, why = verdict(tally(900, 0, 0.004), tally(100, 0, 0.2))
    assert not promoted and why.startswith("mean latency 200.0 ms")
    promoted, why = verdict(tally(900, 0, 0.004), tally(3, 0, 0.004))
    assert not promoted and "too little traffic" in why


def replicas(*addresses: str) -> list[ReplicaState]:
    return [ReplicaState(index=i, phase="ready", address=a) for i, a in enumerate(addresses)]


def test_target_sends_the_hashed_share_to_the_canary_and_tallies_each_generation() -> None:
    target = Target("w")
    target.update(WorkerState(name="w", phase="ready", version="a", replicas=replicas("unix:old")))
    assert target.choose(None, b"anyone") == "unix:old"
    gone = target.update(WorkerState(name="w", phase="ready", version="a", replicas=replicas("unix:old"),
                                     canary=replicas("unix:new"), canary_percent=10))
    assert gone == []
    keys = [f"user{n}@x".encode() for n in range(1000)]
    chosen = {key: target.choose(None, key) for key in keys}
    assert {k for k, a in chosen.items() if a == "unix:new"} == {k for k in keys if zlib.crc32(k) % 100 < 10}
    assert 60 < sum(a == "unix:new" for a in chosen.values()) < 140
    assert all(target.choose(None, key) == address for key, address in chosen.items())  # sticky
    for status, address in ((200, "unix:new"), (502, "unix:new"), (200, "unix:old")):
        target.acquire(address)
        target.release(address, status, 0)
    assert {g: t[:2] for g, t in target.take_tally().items()} == {"canary": [2, 1], "stable": [1, 0]}
    gone = target.update(WorkerState(name="w", phase="ready", version="a", replicas=replicas("unix:old")))
    assert gone == ["unix:new"] and target.canary_percent == 0
