"""The Kubernetes objects rendered from the manifest: one Deployment, Service and autoscaler per worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections import Counter

from ganger.kubernetes import WORKER_PORT, render
from ganger.manifest import load_manifest
from tests.support.platform import ROOT

MANIFEST = load_manifest(ROOT / "platform.toml")


def objects() -> list[dict]:
    return render(MANIFEST, "registry.example/ganger:1.0")["items"]


def test_every_worker_gets_a_deployment_a_service_and_an_autoscaler() -> None:
    kinds = Counter(item["kind"] for item in objects())
    assert kinds["Deployment"] == 20 + 1 + 1  # the workers, the sign-in service, the router
    assert kinds["Service"] == 22
    assert kinds["HorizontalPodAutoscaler"] == 20
    assert kinds["ConfigMap"] == 1


def test_autoscaler_follows_the_manifests_replica_bounds_with_at_least_one_pod() -> None:
    scalers = {i["metadata"]["name"]: i["spec"] for i in objects() if i["kind"] == "HorizontalPodAutoscaler"}
    assert scalers["ganger-compliance-staff"]["minReplicas"] == 1  # min_replicas = 0 on one machine
    assert all(s["maxReplicas"] >= s["minReplicas"] for s in scalers.values())


def test_memory_limit_is_the_workers_budget() -> None:
    deployment = next(i for i in objects() if i["kind"] == "Deployment" and i["metadata"]["name"] == "ganger-inventory-staff")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["limits"]["memory"] == "128Mi"
    assert container["command"][-2:] == ["--port", str(WORKER_PORT)]


def test_router_reads_a_manifest_that_routes_every_worker_to_its_service() -> None:
    config = next(i for i in objects() if i["kind"] == "ConfigMap")["data"]["platform.toml"]
    parsed = tomllib.loads(config)
    assert parsed["workers"]["ganger-inventory-staff"]["upstream"] == f"tcp:ganger-inventory-staff:{WORKER_PORT}"
    assert parsed["auth"]["upstream"] == f"tcp:ganger-auth:{WORKER_PORT}"


def test_no_secret_value_is_rendered() -> None:
    text = json.dumps(objects())
    assert "secretKeyRef" in text
    for value in ("GANGER_OIDC_CLIENT_SECRET", "DATABASE_URL"):
        assert f'"name": "{value}", "value"' not in text


def test_cli_prints_the_list_for_kubectl() -> None:
    result = subprocess.run([sys.executable, "-m", "ganger.cli.main", "k8s", "--image", "img:1"], cwd=ROOT,
                            capture_output=True, text=True, env=dict(os.environ), timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["kind"] == "List"


def test_cluster_manifest_is_valid_and_starts_nothing_locally(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = next(i for i in objects() if i["kind"] == "ConfigMap")["data"]["platform.toml"]
    (tmp_path / "platform.toml").write_text(config)
    cluster = load_manifest(tmp_path / "platform.toml", check_modules=False)
    assert all(unit.upstream and unit.upstream.startswith("tcp:") for unit in cluster.units)
