"""``python -m bybit_research.cli``: the ``bybit-research`` command."""

import sys

from . import main

sys.exit(main())
