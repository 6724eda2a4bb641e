"""The fee groups of contracts: their symbols, weighting factors and the Pro and market-maker fee levels."""

from __future__ import annotations

import pandas as pd

from ..core.fetcher import Fetcher
from ..endpoints.checks import check_choice
from ..endpoints.reference import FEE_GROUP_IDS, FEE_GROUP_INFO
from ..fetch import Query, run

__all__ = ["fee_groups"]


def fee_groups(
    client: Fetcher, product_type: str = "contract", group_id: int | None = None, *, refresh: bool = False
) -> pd.DataFrame:
    """Bybit's fee groups: one row per group and fee level (Pro 1-6, MM 1-3).

    Calls ``/v5/market/fee-group-info``.

    Parameters
    ----------
    product_type
        ``"contract"`` (the only one Bybit has).
    group_id
        One group, 1-9; every group when omitted.
    refresh
        Ignore a cached answer (cached for an hour).

    Returns
    -------
    pandas.DataFrame
        RangeIndex, groups in Bybit's order, each group's levels ``pro`` then ``marketMaker``; columns
        ``group_name`` (str), ``weighting_factor``, ``symbols_numbers`` (Int64), ``symbols`` (str: the
        group's symbols joined by ``","``), ``update_time`` (``datetime64[ms, UTC]``), ``tier`` (``"pro"``
        or ``"marketMaker"``), ``level`` (``"Pro 1"``, ..., ``"MM 3"``), ``taker_fee_rate``,
        ``maker_fee_rate``, ``maker_rebate`` (float64 fractions; NaN where Bybit sends ""; a rebate is
        negative). ``attrs``: endpoint, params, fetched_at, server_time, from_cache.
    """
    kind = product_type.strip().lower() if isinstance(product_type, str) else product_type
    params: dict[str, object] = {"productType": check_choice(kind, ("contract",), "product_type")}
    if group_id is not None:
        if isinstance(group_id, bool) or not isinstance(group_id, int) or group_id not in FEE_GROUP_IDS:
            raise ValueError(
                f"group_id must be an integer in [{FEE_GROUP_IDS[0]}, {FEE_GROUP_IDS[-1]}], got {group_id!r}"
            )
        params["groupId"] = group_id
    frame = run(client, Query(FEE_GROUP_INFO, params, refresh=refresh))
    # a list per row survives neither Parquet nor comparisons: the symbols as text, as the insurance pools
    # list theirs
    frame["symbols"] = pd.array(
        [",".join(map(str, v)) if isinstance(v, list) else None for v in frame["symbols"]], dtype="str"
    )
    return frame
