"""Zero-downtime deploys of the running platform: releases, the ordered pipeline, rollback, health.

The runtime does the switching (`ganger.runtime.rollout`); this package decides what to switch to,
keeps the releases and their history in the data dir, and checks the platform the way users meet it.
"""

from ._health import Check, HealthReport, check_platform
from ._pipeline import (PipelineResult, Progress, VerifiedSet, WorkerResult, deploy_all, deploy_worker, find_version,
                        load_verified, restore, rollback_worker, stages)
from ._releases import (ROUTER, HistoryEntry, Release, ReleaseError, create_release, history, list_releases,
                        load_release)

__all__ = [
    "ROUTER",
    "Check",
    "HealthReport",
    "HistoryEntry",
    "PipelineResult",
    "Progress",
    "Release",
    "ReleaseError",
    "VerifiedSet",
    "WorkerResult",
    "check_platform",
    "create_release",
    "deploy_all",
    "deploy_worker",
    "find_version",
    "history",
    "list_releases",
    "load_release",
    "load_verified",
    "restore",
    "rollback_worker",
    "stages",
]
