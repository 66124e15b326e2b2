"""The platform manifest (platform.toml): the single description of every worker and its budgets."""

from ._load import load_manifest, module_location
from ._model import Manifest, Worker
from ._schema import Budgets, Profile

__all__ = ["Budgets", "Manifest", "Profile", "Worker", "load_manifest", "module_location"]
