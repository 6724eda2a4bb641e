"""A local, deterministic Bybit V5 exchange for tests, notebooks and demos.

Mount :func:`create_app` in-process with ``httpx.WSGITransport``, or serve it over TCP::

    with bybit_research.sim.serve() as base_url:
        ...

The simulator is written from the V5 reference on its own and imports nothing from the client side.
"""

from .app import create_app
from .core import SimConfig
from .credentials import DEMO_API_KEY, DEMO_API_SECRET, DEMO_RSA_API_KEY, DEMO_RSA_PRIVATE_KEY_PEM
from .server import serve

__all__ = [
    "DEMO_API_KEY",
    "DEMO_API_SECRET",
    "DEMO_RSA_API_KEY",
    "DEMO_RSA_PRIVATE_KEY_PEM",
    "SimConfig",
    "create_app",
    "serve",
]
