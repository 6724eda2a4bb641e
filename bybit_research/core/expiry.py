"""Cache expiry values, in seconds, with the meanings requests-cache gives them.

``expire_after`` arguments (``Client.fetch``, the endpoint table's cache policies) take these constants, a
number of seconds or a ``timedelta``. The values are requests-cache's own (``requests_cache.NEVER_EXPIRE``,
``EXPIRE_IMMEDIATELY`` and ``DO_NOT_CACHE``; a test checks they stay equal), declared here so that the
endpoint table does not import requests-cache.
"""

from __future__ import annotations

__all__ = ["DO_NOT_CACHE", "EXPIRE_IMMEDIATELY", "NEVER_EXPIRE"]

#: keep the answer for good (closed history)
NEVER_EXPIRE = -1
#: store the answer already expired: it is revalidated next time (and still served in offline-only mode)
EXPIRE_IMMEDIATELY = 0
#: neither read nor store the answer (requests-cache's sentinel value)
DO_NOT_CACHE = 0x0D0E0200020704
