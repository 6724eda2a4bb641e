"""The replica's book: positions and market data checked and joined into one row per position.

A positions frame follows the DataFrame contract of ``/v5/position/list`` (index ``symbol``; ``side``
"Buy"/"Sell", ``size`` >= 0, ``mark_price``, ...) plus a ``category`` column (``linear``, ``inverse``,
``option``, or ``spot`` for a spot hedge, whose ``mark_price`` is the coin's USD index price). Optional
columns: ``settle_coin`` and ``delivery_time`` override what the symbol says; ``base_coin`` must agree with
it. Options need market data: an option-chain frame (index ``symbol``; ``underlying_price`` = the expiry's
forward, ``mark_iv`` as a fraction, ``index_price``), such as ``Client.option_chain(...)`` returns; a market
row for a linear or inverse symbol with a ``mark_price`` replaces the position's mark.

Bybit's own option vega counts where it is given: the positions' ``vega`` (the position's, USD per
volatility point, as ``/v5/position/list`` reports it), else the chain's ``vega`` (per contract). Greeks and
mark prices come from the unrounded mark IV while the printed ``mark_iv`` has 4 decimals, so Bybit's vega and
a Black-76 vega of the printed IV differ by some 1e-4; the simulator's report charges its vega-spread
contingency on the positions' own vega (its stress grid revalues at the printed IV). Without either, the
replica's Black-76 vega of the book's IV stands in.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .chain_inputs import to_utc
from .margin_symbols import parse_contract

__all__ = [
    "BOOK_COLUMNS",
    "CATEGORIES",
    "CHAIN_COLUMNS",
    "POSITION_COLUMNS",
    "build_book",
    "resolve_now",
]

#: the categories a position may have
CATEGORIES = ("linear", "inverse", "option", "spot")
#: the columns every positions frame needs (besides its ``symbol`` index)
POSITION_COLUMNS = ("category", "side", "size", "mark_price")
#: the columns an option chain needs for the options it prices
CHAIN_COLUMNS = ("underlying_price", "mark_iv", "index_price")
#: the book's columns (index ``symbol``)
BOOK_COLUMNS = (
    "category",
    "base_coin",
    "settle_coin",
    "kind",
    "inverse",
    "qty",
    "price",
    "mark_price",
    "expiry",
    "dte",
    "strike",
    "is_call",
    "iv",
    "vega",
    "index_price",
)
_MS_PER_DAY = pd.Timedelta(days=1) // pd.Timedelta(milliseconds=1)  # analytics import nothing of core
_NO_TIME = np.iinfo(np.int64).min
_IV_FRACTION_LIMIT = 10.0  # a mark_iv above 1000 % is a percentage by mistake


def resolve_now(now: Any, *frames: pd.DataFrame | None) -> pd.Timestamp:
    """The valuation time: ``now`` (naive = UTC), else the exchange's clock in the frames, else the local one.

    Without ``now`` the first frame whose ``attrs`` carry ``server_time`` (the exchange's clock when it
    answered) gives it; failing that the first ``attrs["fetched_at"]`` (this machine's clock when the frame
    was built), then the wall clock. ``pd.concat`` keeps ``attrs`` only when every part has the same ones, so
    a chain concatenated from several coins carries none: pass ``now`` then.

    Raises
    ------
    ValueError
        ``now`` (or a frame's time) is not a str, datetime, Timestamp or epoch ms.
    """
    if now is None:
        for key in ("server_time", "fetched_at"):
            now = next((f.attrs[key] for f in frames if f is not None and f.attrs.get(key) is not None), None)
            if now is not None:
                break
    if now is None:
        return pd.Timestamp.now(tz="UTC").as_unit("ms")
    return to_utc(now, "now").as_unit("ms")


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    table = frame.set_index("symbol") if "symbol" in frame.columns else frame
    table = table[~table.index.duplicated(keep="last")]
    table.index = table.index.astype(str)
    return table


def _positions_table(positions: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(positions, pd.DataFrame):
        raise ValueError(
            f"positions must be a DataFrame (the contract of /v5/position/list), not {type(positions)}"
        )
    frame = positions.set_index("symbol") if "symbol" in positions.columns else positions
    missing = [name for name in POSITION_COLUMNS if name not in frame.columns]
    if missing:
        raise ValueError(
            f"positions need the columns {list(POSITION_COLUMNS)} and a symbol index; missing {missing}"
        )
    categories = frame["category"].astype(str).str.lower().to_numpy(dtype=object)
    bad = sorted(set(categories) - set(CATEGORIES))
    if bad:
        raise ValueError(f"category must be one of {list(CATEGORIES)}; got {bad}")
    symbols = frame.index.astype(str)
    size = pd.to_numeric(frame["size"], errors="coerce").to_numpy(dtype=np.float64)
    wrong = np.isnan(size) | (size < 0)
    if wrong.any():
        raise ValueError(
            f"size must be a number >= 0 (the side gives the direction); wrong for {list(symbols[wrong])}"
        )
    side = frame["side"].fillna("").astype(str).to_numpy(dtype=object)
    bad_side = ~np.isin(side, ["Buy", "Sell"]) & (size > 0)
    if bad_side.any():
        raise ValueError(f"side must be 'Buy' or 'Sell'; got {sorted(set(side[bad_side]))}")
    mark = pd.to_numeric(frame["mark_price"], errors="coerce").to_numpy(dtype=np.float64)
    if (mark < 0).any():
        raise ValueError(f"mark_price must not be negative: {list(symbols[mark < 0])}")
    table = pd.DataFrame(
        {"category": categories, "qty": np.where(side == "Sell", -size, size), "mark_price": mark},
        index=pd.Index(symbols, name="symbol"),
    )
    for name in ("base_coin", "settle_coin", "delivery_time"):
        if name in frame.columns:
            table[name] = frame[name].to_numpy()
    table["vega"] = np.nan
    if "vega" in frame.columns:  # the position's vega (signed with it) -> per contract
        given = pd.to_numeric(frame["vega"], errors="coerce").to_numpy(dtype=np.float64)
        qty = table["qty"].to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            table["vega"] = np.where(qty != 0, given / qty, np.nan)
    return table


def _net_duplicates(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.index.is_unique:
        return frame
    grouped = frame.groupby(level=0, sort=False)
    first = frame[~frame.index.duplicated(keep="first")].copy()
    first["qty"] = grouped["qty"].sum().reindex(first.index).to_numpy()
    first["vega"] = grouped["vega"].first().reindex(first.index).to_numpy()  # the first one given
    return first[first["qty"] != 0]


def _contracts(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    contracts = [parse_contract(sym, cat) for sym, cat in zip(frame.index, frame["category"], strict=True)]
    columns = {
        "base_coin": np.array([c.base_coin for c in contracts], dtype=object),
        "settle_coin": np.array([c.settle_coin for c in contracts], dtype=object),
        "kind": np.array([c.kind for c in contracts], dtype=object),
        "inverse": np.array([c.inverse for c in contracts], dtype=bool),
        "expiry": np.array(
            [_NO_TIME if c.expiry is None else c.expiry.value // 1_000_000 for c in contracts]
        ),
        "strike": np.array([c.strike for c in contracts], dtype=np.float64),
        "is_call": np.array([c.is_call for c in contracts], dtype=bool),
    }
    if "base_coin" in frame.columns:
        given = frame["base_coin"].astype("string").str.upper().fillna("").to_numpy(dtype=object)
        wrong = (given != "") & (given != columns["base_coin"])
        if wrong.any():
            pairs = zip(frame.index[wrong], columns["base_coin"][wrong], given[wrong], strict=True)
            detail = {sym: (ours, theirs) for sym, ours, theirs in pairs}
            raise ValueError(
                f"mixed base coins in one risk unit: symbol's coin vs base_coin column {detail}; a contract "
                "belongs to the risk unit of its own base coin"
            )
    if "settle_coin" in frame.columns:
        given = frame["settle_coin"].astype("string").str.upper().fillna("").to_numpy(dtype=object)
        columns["settle_coin"] = np.where(given != "", given, columns["settle_coin"])
    if "delivery_time" in frame.columns:
        stamps = pd.to_datetime(frame["delivery_time"], utc=True)
        given_ms = np.where(stamps.isna(), _NO_TIME, stamps.dt.as_unit("ms").astype("int64"))
        dated = (columns["kind"] == "future") & (given_ms != _NO_TIME)
        columns["expiry"] = np.where(dated, given_ms, columns["expiry"])
    return columns


def _chain_rows(market: pd.DataFrame | None, options: pd.Index) -> pd.DataFrame:
    if market is None:
        raise ValueError(
            f"positions hold options ({list(options)[:5]}); pass market= an option chain with the columns "
            f"{list(CHAIN_COLUMNS)} (e.g. Client.option_chain(base_coin))"
        )
    chain = _table(market)
    missing = [name for name in CHAIN_COLUMNS if name not in chain.columns]
    if missing:
        raise ValueError(f"the option chain needs the columns {list(CHAIN_COLUMNS)}; missing {missing}")
    unknown = list(options.difference(chain.index, sort=False))  # (isin on arrow strings is slow)
    if unknown:
        raise ValueError(f"no market data for option(s) {unknown} in the chain (unknown symbol or expiry)")
    rows = chain.loc[options]
    for name in CHAIN_COLUMNS:
        column = pd.to_numeric(rows[name], errors="coerce").to_numpy(dtype=np.float64)
        bad = np.isnan(column) | (column < 0) | ((column == 0) & (name != "mark_iv"))
        if bad.any():
            raise ValueError(f"chain column {name} must be a positive number; wrong for {list(options[bad])}")
        if name == "mark_iv" and (column > _IV_FRACTION_LIMIT).any():
            raise ValueError("chain column mark_iv must be a fraction (0.55 = 55 %), not a percentage")
    return rows


def build_book(positions: pd.DataFrame, market: pd.DataFrame | None = None, now: Any = None) -> pd.DataFrame:
    """Check ``positions`` and ``market`` and join them into the replica's book.

    Parameters
    ----------
    positions
        Positions in the ``/v5/position/list`` contract plus ``category`` (see the module docstring). Flat
        rows (size 0) carry no risk and are left out (their symbols are in ``attrs["flat"]``); two rows of
        one symbol (hedge mode) are netted.
    market
        Option chain (needed when there are options) and/or rows of linear/inverse symbols with a
        ``mark_price`` that replaces the position's (and an ``index_price`` for the coin).
    now
        Valuation time (ms, str, datetime or Timestamp; naive = UTC); default: the exchange's clock
        (``attrs["server_time"]``) of ``market``, then of ``positions``, then their ``attrs["fetched_at"]``,
        then the wall clock (see :func:`resolve_now`).

    Returns
    -------
    pandas.DataFrame
        Index ``symbol``; columns ``category``, ``base_coin``, ``settle_coin``, ``kind`` (perpetual, future,
        option, spot), ``inverse`` (bool), ``qty`` (signed: coins, or USD contracts when inverse), ``price``
        (mark for linear, inverse and spot, the forward for options), ``mark_price``, ``expiry``
        (datetime64[ms, UTC], NaT for perpetuals and spot), ``dte`` (days, ACT), ``strike``, ``is_call``,
        ``iv`` (options' mark IV, fraction), ``vega`` (Bybit's vega per contract, USD per volatility point,
        from the positions or the chain; NaN when neither gives it) and ``index_price`` (the coin's USD
        index: the first given by the chain, a spot row or a market row; NaN when none gives it).
        ``attrs["now"]`` holds the valuation time (ms).

    Raises
    ------
    ValueError
        Missing columns, an unknown category or side, negative sizes or prices, a missing mark, a negative
        vega per contract, an option without market data (or a chain without the needed columns), an
        expired contract, or a base coin (column or chain) that is not the symbol's.
    """
    frame = _positions_table(positions)
    stamp = resolve_now(now, market, positions)
    now_ms = int(stamp.value // 1_000_000)
    flat = list(frame.index[frame["qty"] == 0])
    frame = _net_duplicates(frame[frame["qty"] != 0])
    columns = _contracts(frame)
    symbols = frame.index
    is_option = columns["kind"] == "option"
    mark = frame["mark_price"].to_numpy(dtype=np.float64)
    table = None if market is None else _table(market)
    given_mark = _column(table, "mark_price", symbols)
    price = np.where(is_option, np.nan, np.where(np.isnan(given_mark), mark, given_mark))
    missing = ~is_option & ~(price > 0)
    if missing.any():
        raise ValueError(f"mark_price must be a positive number for {list(symbols[missing])}")
    iv = np.full(len(symbols), np.nan)
    index_price = np.where(columns["kind"] == "spot", price, _column(table, "index_price", symbols))
    vega = np.full(len(symbols), np.nan)
    if is_option.any():
        rows = _chain_rows(market, symbols[is_option])
        _join_chain(columns, rows, is_option, price, iv, index_price)
        held = frame["vega"].to_numpy(dtype=np.float64)
        vega = np.where(is_option, np.where(np.isnan(held), _column(table, "vega", symbols), held), np.nan)
        if (vega < 0).any():
            raise ValueError(
                f"an option's vega must be >= 0 per contract (a position's vega has its sign); wrong for "
                f"{list(symbols[vega < 0])}"
            )
    _check_expiries(symbols, columns["expiry"], is_option | (columns["kind"] == "future"), stamp)
    dte = np.where(columns["expiry"] == _NO_TIME, np.nan, (columns["expiry"] - now_ms) / _MS_PER_DAY)
    coin_index = pd.Series(index_price).groupby(columns["base_coin"]).first()
    book = pd.DataFrame(
        {
            "category": frame["category"].to_numpy(dtype=object),
            "base_coin": columns["base_coin"],
            "settle_coin": columns["settle_coin"],
            "kind": columns["kind"],
            "inverse": columns["inverse"],
            "qty": frame["qty"].to_numpy(dtype=np.float64),
            "price": price,
            "mark_price": mark,
            "expiry": _timestamps(columns["expiry"]),
            "dte": dte,
            "strike": columns["strike"],
            "is_call": columns["is_call"],
            "iv": iv,
            "vega": vega,
            "index_price": pd.Series(columns["base_coin"]).map(coin_index).to_numpy(dtype=np.float64),
        },
        index=pd.Index(symbols, name="symbol"),
    )
    book.attrs = {"now": now_ms, "flat": flat}
    return book


def _timestamps(epoch_ms: np.ndarray) -> pd.DatetimeIndex:
    values = np.where(epoch_ms == _NO_TIME, np.nan, epoch_ms.astype(np.float64))
    return pd.DatetimeIndex(pd.to_datetime(values, unit="ms", utc=True)).as_unit("ms")


def _column(table: pd.DataFrame | None, name: str, symbols: pd.Index) -> np.ndarray:
    if table is None or name not in table.columns:
        return np.full(len(symbols), np.nan)
    return pd.to_numeric(table[name], errors="coerce").reindex(symbols).to_numpy(dtype=np.float64)


def _join_chain(
    columns: dict[str, np.ndarray],
    rows: pd.DataFrame,
    is_option: np.ndarray,
    price: np.ndarray,
    iv: np.ndarray,
    index_price: np.ndarray,
) -> None:
    """Write the chain's forwards, IVs, index prices (and expiry, strike when given) into the arrays."""
    if "base_coin" in rows.columns:
        chain_coin = rows["base_coin"].astype(str).str.upper().to_numpy(dtype=object)
        wrong = chain_coin != columns["base_coin"][is_option]
        if wrong.any():
            given = dict(zip(rows.index[wrong], chain_coin[wrong], strict=True))
            raise ValueError(
                f"mixed base coins in one risk unit: the chain gives {given} for options of "
                f"{sorted(set(columns['base_coin'][is_option][wrong]))}"
            )
    if "expiry" in rows.columns:
        stamps = pd.to_datetime(rows["expiry"], utc=True).dt.as_unit("ms").astype("int64").to_numpy()
        columns["expiry"][is_option] = stamps
    if "strike" in rows.columns:
        columns["strike"][is_option] = pd.to_numeric(rows["strike"]).to_numpy(dtype=np.float64)
    price[is_option] = pd.to_numeric(rows["underlying_price"]).to_numpy(dtype=np.float64)
    iv[is_option] = pd.to_numeric(rows["mark_iv"]).to_numpy(dtype=np.float64)
    index_price[is_option] = pd.to_numeric(rows["index_price"]).to_numpy(dtype=np.float64)


def _check_expiries(symbols: pd.Index, expiry: np.ndarray, dated: np.ndarray, now: pd.Timestamp) -> None:
    expired = dated & (expiry <= now.value // 1_000_000)
    if expired.any():
        pairs = zip(symbols[expired], expiry[expired], strict=True)
        detail = {sym: str(pd.Timestamp(int(ms), unit="ms", tz="UTC")) for sym, ms in pairs}
        raise ValueError(f"expired contract(s) at {now}: {detail}; remove them or value them before expiry")
