"""The worker runtime: starts every replica as its own process, watches, restarts and stops them."""

from .supervisor import Supervisor

__all__ = ["Supervisor"]
