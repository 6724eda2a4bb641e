"""Widget panels (``br.widgets``): explore the instruments of every category, one coin's options, and the
account's portfolio margin.

``br.widgets.explorer()``, ``br.widgets.option_chain("BTC")`` and ``br.widgets.margin_panel()`` return panels
(``ipywidgets.VBox``) to display in a notebook or in Voila (``bybit-research explore`` opens the explorer as
an app). Panels fetch with the public functions of a client (default: the default client), draw with
``br.plot`` and the options and margin analytics, keep their state in widget values and expose what they
show as ``.frame`` and ``.figure``. A fetch shows "loading ..." in the panel's status line; an error shows
its message there.
"""

from __future__ import annotations

from ..client import Client
from .explorer import Explorer
from .margin import MarginPanel
from .option_chain import OptionChainPanel
from .panel import NothingToShow, Panel

__all__ = [
    "Explorer",
    "MarginPanel",
    "NothingToShow",
    "OptionChainPanel",
    "Panel",
    "explorer",
    "margin_panel",
    "option_chain",
]


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


def margin_panel(
    base_coin: str | None = None,
    *,
    client: Client | None = None,
    symbol: str | None = None,
    side: str | None = None,
    size: float | None = None,
) -> MarginPanel:
    """Return the portfolio-margin panel: the account's risk units, Bybit's scenario grid (each unit's worst
    cell marked), and what-if controls (symbol, side, size -> IM/MM change per risk unit and the leg's
    marginal margin).

    Calls ``/v5/asset/portfolio-margin`` (signed: needs an API key, or the simulator) once and on refresh;
    the replica is calibrated on the report once (``br.margin.calibrate``) and every what-if is
    ``br.margin.what_if`` on the calibrated book. A leg on a symbol the account does not hold fetches its
    ticker (``/v5/market/tickers``) or, for an option, its chain, once. Bybit answers the report in every
    margin mode; its numbers are the portfolio-margin stress test of the account's positions.

    Parameters
    ----------
    base_coin
        One risk unit (``"BTC"``); default every unit of the account.
    client
        The client to fetch with; default ``bybit_research.get_default_client()``.
    symbol, side, size
        The what-if shown first (``side`` ``"Buy"`` or ``"Sell"``, ``size`` in contracts); default the unit
        with the largest MM hedged with its linear perpetual, sized to offset its loss at its worst move.

    Returns
    -------
    MarginPanel
        Display it. ``.report`` is the report, ``.calibration`` its calibration, ``.result`` the last
        what-if (``br.margin.what_if``'s answer), ``.frame`` the risk units, ``.figure`` the scenario grid
        and ``.what_if_figure`` the what-if figure.

    Raises
    ------
    ValueError
        For a side other than Buy/Sell (before any request); a failing fetch shows its error in the panel.
    """
    return MarginPanel(base_coin, client, symbol=symbol, side=side, size=size)
