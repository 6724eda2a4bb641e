"""Widget panels (``br.widgets``): explore the instruments of every category and one coin's options.

``br.widgets.explorer()`` and ``br.widgets.option_chain("BTC")`` return panels (``ipywidgets.VBox``) to
display in a notebook or in Voila (``bybit-research explore`` opens the explorer as an app). Panels fetch
with the public functions of a client (default: the default client), draw with ``br.plot`` and the options
analytics, keep their state in widget values and expose what they show as ``.frame`` and ``.figure``. A
fetch shows "loading ..." in the panel's status line; an error shows its message there.

The margin panel (risk units, scenario grid, what-if controls) waits for the margin analytics and the
account functions; it will be a :class:`~bybit_research.widgets.panel.Panel` like these.
"""

from __future__ import annotations

from ..client import Client
from .explorer import Explorer
from .option_chain import OptionChainPanel
from .panel import NothingToShow, Panel

__all__ = ["Explorer", "NothingToShow", "OptionChainPanel", "Panel", "explorer", "option_chain"]


def explorer(category: str = "linear", *, client: Client | None = None) -> Explorer:
    """Return the instrument explorer: category, filters, instrument table, one instrument's details, ticker
    and chart (derivatives: funding and open interest; options: the chain panel).

    Calls ``/v5/market/instruments-info`` and ``/v5/market/tickers`` (per category; options through
    ``br.option_chain``), and for the selected instrument ``/v5/market/kline`` (or the mark, index or
    premium-index kline endpoint), ``/v5/market/funding/history`` and ``/v5/market/open-interest``.

    Parameters
    ----------
    category
        The category shown first: ``"spot"``, ``"linear"`` (default), ``"inverse"`` or ``"option"``.
    client
        The client to fetch with; default ``bybit_research.get_default_client()``.

    Returns
    -------
    Explorer
        Display it. ``.frame`` is the filtered instrument table (instruments joined with their tickers),
        ``.figure`` the figure of the visible tab; see :class:`Explorer` for every widget.

    Raises
    ------
    ValueError
        For another category (before any request).
    """
    return Explorer(category, client)


def option_chain(base_coin: str = "BTC", *, client: Client | None = None) -> OptionChainPanel:
    """Return the option-chain panel of ``base_coin``: expiry selector, the expiry's calls and puts with IVs
    and greeks, and its smile, the term structure and the surface.

    Calls ``/v5/market/instruments-info`` and ``/v5/market/tickers`` (``category=option``, the base coin).

    Parameters
    ----------
    base_coin
        ``"BTC"`` (default), ``"ETH"``, ``"SOL"``, ...
    client
        The client to fetch with; default ``bybit_research.get_default_client()``.

    Returns
    -------
    OptionChainPanel
        Display it. ``.chain`` is the chain frame (``br.option_chain``), ``.frame`` the chosen expiry's
        table (index ``strike``; columns ``(Call|Put, field)``), ``.figure`` the visible plot.

    Raises
    ------
    ValueError
        For a base coin that is not a coin name (before any request); a coin without options shows
        Bybit's error in the panel.
    """
    return OptionChainPanel(base_coin, client)
