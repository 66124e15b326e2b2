"""The platform as Kubernetes objects, from the same manifest that runs it on one machine.

Per worker: a Deployment (its replicas serve TCP instead of a Unix socket), a Service, and a
HorizontalPodAutoscaler between `min_replicas` and `max_replicas` (at least one pod: scaling to
zero is the runtime's job on one machine, not the HPA's). The router is its own Deployment and
Service, and reads a ConfigMap holding the manifest with every worker's `upstream` pointing at its
Service. Secrets (the platform key, OIDC client, DATABASE_URL) come from one Secret by reference;
none is ever written here.
"""

from __future__ import annotations

import re
from typing import Any

from ..manifest import Manifest, Worker

WORKER_PORT = 8000
ROUTER_PORT = 8080
CONFIG_PATH = "/etc/ganger"
SECRET_NAME = "ganger-secrets"
_UPSTREAM_LINE = re.compile(r"^upstream\s*=.*$", re.MULTILINE)

Object = dict[str, Any]


def _labels(component: str) -> dict[str, str]:
    return {"app.kubernetes.io/part-of": "ganger", "app.kubernetes.io/name": component}


def _environment(environment: str) -> list[Object]:
    plain = [{"name": "GANGER_MANIFEST", "value": f"{CONFIG_PATH}/platform.toml"},
             {"name": "GANGER_DATA_DIR", "value": "/var/lib/ganger"},
             {"name": "GANGER_ENVIRONMENT", "value": environment}]
    from_secret = [{"name": name, "valueFrom": {"secretKeyRef": {"name": SECRET_NAME, "key": name, "optional": True}}}
                   for name in ("GANGER_SECRET", "DATABASE_URL", "GANGER_AUTH", "GANGER_OIDC_CLIENT_ID",
                                "GANGER_OIDC_CLIENT_SECRET", "GANGER_METRICS_TOKEN")]
    return plain + from_secret


def _deployment(name: str, image: str, command: list[str], port: int, replicas: int, memory_mb: int,
                environment: str) -> Object:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": _labels(name)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": _labels(name)},
            "template": {
                "metadata": {"labels": _labels(name)},
                "spec": {
                    "containers": [{
                        "name": name, "image": image, "command": command,
                        "ports": [{"containerPort": port}],
                        "env": _environment(environment),
                        "resources": {"requests": {"memory": f"{memory_mb // 2}Mi", "cpu": "50m"},
                                      "limits": {"memory": f"{memory_mb}Mi"}},
                        "readinessProbe": {"tcpSocket": {"port": port}, "periodSeconds": 2},
                        "volumeMounts": [{"name": "manifest", "mountPath": CONFIG_PATH, "readOnly": True},
                                         {"name": "data", "mountPath": "/var/lib/ganger"}],
                    }],
                    "volumes": [{"name": "manifest", "configMap": {"name": "ganger-manifest"}},
                                {"name": "data", "emptyDir": {}}],
                },
            },
        },
    }


def _service(name: str, port: int) -> Object:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": _labels(name)},
            "spec": {"selector": _labels(name), "ports": [{"port": port, "targetPort": port}]}}


def _autoscaler(worker: Worker) -> Object:
    return {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": worker.name, "labels": _labels(worker.name)},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": worker.name},
            "minReplicas": max(worker.min_replicas, 1),
            "maxReplicas": max(worker.max_replicas, worker.min_replicas, 1),
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                                                           "target": {"type": "Utilization", "averageUtilization": 70}}}],
        },
    }


def cluster_manifest(manifest: Manifest) -> str:
    """The manifest text with every worker routed to its Service instead of started locally."""
    text = _UPSTREAM_LINE.sub("", manifest.path.read_text())
    for worker in manifest.workers:
        header = f"[workers.{worker.name}]"
        text = text.replace(header, f'{header}\nupstream = "tcp:{worker.name}:{WORKER_PORT}"', 1)
    for service in manifest.services:  # the sign-in service, declared by the platform itself
        upstream = f'upstream = "tcp:{service.name}:{WORKER_PORT}"'
        text = text.replace("[auth]", f"[auth]\n{upstream}", 1) if "[auth]" in text else text + f"\n[auth]\n{upstream}\n"
    return text


def render(manifest: Manifest, image: str, environment: str = "production") -> Object:
    """A `v1/List` of every object, ready for `kubectl apply -f`."""
    items: list[Object] = [{
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ganger-manifest", "labels": _labels("ganger")},
        "data": {"platform.toml": cluster_manifest(manifest)},
    }]
    for worker in manifest.units:
        command = ["python", "-m", "ganger.runtime.replica", "--worker", worker.name, "--port", str(WORKER_PORT)]
        items.append(_deployment(worker.name, image, command, WORKER_PORT, max(worker.min_replicas, 1),
                                 worker.budgets.memory_mb, environment))
        items.append(_service(worker.name, WORKER_PORT))
        if worker in manifest.workers:
            items.append(_autoscaler(worker))
    router = "ganger-router"
    deployment = _deployment(router, image, ["python", "-m", "ganger.router.server"], ROUTER_PORT,
                             manifest.router.processes, 64, environment)
    deployment["spec"]["template"]["spec"]["containers"][0]["env"] += [
        {"name": "GANGER_HOST", "value": "0.0.0.0"}, {"name": "GANGER_PORT", "value": str(ROUTER_PORT)}]
    items.append(deployment)
    service = _service(router, ROUTER_PORT)
    service["spec"]["type"] = "LoadBalancer"
    items.append(service)
    return {"apiVersion": "v1", "kind": "List", "items": items}
