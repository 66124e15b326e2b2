"""Kubernetes as the target when one machine is not enough: resources rendered from the manifest."""

from ._render import WORKER_PORT, render

__all__ = ["WORKER_PORT", "render"]
