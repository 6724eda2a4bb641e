"""The portfolio-margin report of the account: Bybit's stress test per risk unit, as frames."""

from __future__ import annotations

from typing import Any

from ..analytics.pm_report import PortfolioMarginReport, ReportFormatError, parse_portfolio_margin
from ..core.fetcher import Fetcher
from ..endpoints.account import PORTFOLIO_MARGIN
from ..endpoints.checks import check_coin
from ..errors import malformed
from ..fetch import Query, run

__all__ = ["portfolio_margin"]


def portfolio_margin(client: Fetcher, base_coin: str | None = None) -> PortfolioMarginReport:
    """Bybit's portfolio-margin report: the wallet, each risk unit's margin and its scenario P&L grids.

    Calls ``/v5/asset/portfolio-margin`` (cached for seconds: it moves with the market).

    Parameters
    ----------
    base_coin
        One risk unit (``"BTC"``); without it every unit of the account.

    Returns
    -------
    PortfolioMarginReport
        Frames of the report (:class:`~bybit_research.analytics.pm_report.PortfolioMarginReport`):
        ``wallet`` (``equity, cash_balance, margin_balance, available_balance, account_im, account_mm,
        account_mm_rate, account_im_rate``), ``risk_units`` (index ``base_coin``: ``asset_im, asset_mm``,
        the contingencies, ``max_loss_price_move, max_loss_iv_shock, total_close_pz_fee``), ``scenarios``
        (index ``price_move``, columns ``(base_coin, part)``), the perpetual/futures and option positions
        with their P&L grids, the spot hedges and the IV shock chosen at each price move. ``time`` is the
        exchange's clock of the answer; every frame's ``attrs`` carry endpoint, params, fetched_at,
        server_time and from_cache. The analytics of :mod:`bybit_research.margin` take it as it is.

    Raises
    ------
    ResponseFormatError
        The answer is not a report of §5.13's shape (e.g. ``assetPnlRange`` an object, a P&L that is no
        number, a risk unit without ``baseCoin``); the message names the part.
    """
    params = {} if base_coin is None else {"baseCoin": check_coin(base_coin, "base_coin")}
    frame = run(client, Query(PORTFOLIO_MARGIN, params))
    result: dict[str, Any] = {"wallet": {}, "assetPnlRange": []}
    if not frame.empty:
        row = frame.iloc[0]
        result = {
            "wallet": _or(row.get("wallet"), {}),
            "assetPnlRange": _or(row.get("asset_pnl_range"), []),
            # fields V5 adds beside the two are kept in the report's ``extra``
            **{name: row[name] for name in frame.columns if name not in ("wallet", "asset_pnl_range")},
        }
    try:
        report = parse_portfolio_margin(result, time=frame.attrs.get("server_time"))
    except ReportFormatError as error:
        raise malformed(PORTFOLIO_MARGIN.path, str(error)) from None
    provenance = {key: value for key, value in frame.attrs.items() if key != "summary"}
    for value in vars(report).values():
        if hasattr(value, "attrs"):
            value.attrs.update(provenance)
    return report


def _or(value: Any, default: Any) -> Any:
    return default if value is None or (isinstance(value, float) and value != value) else value
