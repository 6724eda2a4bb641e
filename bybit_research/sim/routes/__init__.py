"""The simulator's handlers, one module per group of V5 paths; importing this package registers them all.

Every module here whose name does not start with ``_`` or end in ``_common`` is imported, so a new group of
routes is a new module (``market_*`` for public paths, the others private), registered with
:func:`bybit_research.sim.core.route`.
"""

from __future__ import annotations

import importlib
import pkgutil

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if not _module.name.startswith("_") and not _module.name.endswith("_common"):
        importlib.import_module(f"{__name__}.{_module.name}")
