"""Import modules in this fresh interpreter and write what `sys.modules` then holds, as JSON, to stdout.

Run as `python -c <this file's source> ROOT MODULE...`, never with `-m`: importing it as a module
would load `ganger.bundles` first and the probe would measure itself. It therefore imports
nothing from `ganger` and takes its snapshot before importing `json`.
"""

import importlib
import sys


def _snapshot() -> dict:
    return {name: getattr(module, "__file__", None)
            for name, module in list(sys.modules.items()) if module is not None and name != "__main__"}


def _main(root: str, modules: list) -> None:
    if root not in sys.path:
        sys.path.insert(0, root)
    stdout, sys.stdout = sys.stdout, sys.stderr
    for name in modules:
        importlib.import_module(name)
    loaded = _snapshot()
    sys.stdout = stdout
    import json

    json.dump(loaded, sys.stdout)


_main(sys.argv[1], sys.argv[2:])
