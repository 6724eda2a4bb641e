"""Positions and open orders: every page, both linear settle coins, the category of each row."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bybit_research.account.positions import orders, positions
from tests.conftest import NOW_MS, FakeClient, MarketClient


def held(app: Any, category: str) -> list[str]:
    """The symbols of the demo account's open positions, from the account itself."""
    return sorted(view.pos.inst.symbol for view in app.exchange.account.views(NOW_MS, category))


@pytest.mark.parametrize("category", ["linear", "inverse", "option"])
def test_positions_are_the_accounts_open_positions(client: MarketClient, app: Any, category: str) -> None:
    frame = client.positions(category)
    assert sorted(frame.index) == held(app, category) and len(frame) > 0
    assert (frame["category"] == category).all() and (frame["size"] > 0).all()
    assert set(frame["side"]) <= {"Buy", "Sell"}
    assert frame.dtypes["size"] == np.float64 and frame.dtypes["position_idx"] == "Int64"
    assert str(frame.dtypes["updated_time"]) == "datetime64[ms, UTC]"


def test_linear_positions_need_both_settle_coins(client: MarketClient, app: Any) -> None:
    client.positions("linear")  # the first signed call also syncs the clock
    app.reset_counts()
    frame = client.positions("linear")
    assert app.requests["/v5/position/list"] == 2  # once for USDT, once for USDC
    usdc = client.positions("linear", settle_coin="USDC")
    assert usdc.index.tolist() == ["BTCPERP"] and "BTCPERP" in frame.index
    assert frame.attrs["params"]["settleCoin"] == ["USDT", "USDC"]
    one = client.positions("linear", symbol="ethusdt")
    assert one.index.tolist() == ["ETHUSDT"]


def _position(symbol: str) -> dict[str, Any]:
    return {"symbol": symbol, "side": "Buy", "size": "1", "positionIdx": 0, "updatedTime": "1718454896000"}


def test_positions_follow_every_cursor_page() -> None:
    """More than a page of positions (200 per page): every one, once."""

    def handler(path: str, params: dict[str, Any]) -> Any:
        page = int(params.get("cursor", "0"))
        coin = params["settleCoin"]
        rows = [_position(f"C{coin}{page * 200 + k}USDT") for k in range(200 if page < 2 else 17)]
        return {"category": "linear", "list": rows, "nextPageCursor": "" if page == 2 else str(page + 1)}

    client = FakeClient(handler)
    frame = positions(client, "linear")
    assert len(frame) == 2 * 417 and frame.index.is_unique
    # the settle coins are fetched concurrently; within each the cursor pages follow one another
    for coin in ("USDT", "USDC"):
        cursors = [c[1].get("cursor") for c in client.calls if c[1]["settleCoin"] == coin]
        assert cursors == [None, "1", "2"], coin
    assert all(c[1]["limit"] == 200 for c in client.calls)


def test_orders_are_the_open_orders(client: MarketClient, app: Any) -> None:
    frame = client.orders("linear")
    expected = [row for row in app.exchange.account.open_orders(NOW_MS) if row["_cat"] == "linear"]
    assert sorted(frame["order_id"]) == sorted(row["orderId"] for row in expected) and len(frame) > 0
    assert frame.index.is_monotonic_increasing and frame.index.name == "time"
    assert frame["cum_fee_detail"].dtype == "str" or frame["cum_fee_detail"].isna().all()
    recent = client.orders("linear", open_only=False)
    assert len(recent) >= len(frame)


def test_order_fee_maps_are_json_text(client: MarketClient) -> None:
    import json

    history = client.order_history("linear", "2024-06-01", "2024-06-08")
    details = history["cum_fee_detail"].dropna()
    assert len(details) > 0
    for text in details:
        assert isinstance(json.loads(text), dict)


def test_orders_by_id_and_refusals() -> None:
    client = FakeClient(lambda path, params: {"list": [], "nextPageCursor": ""})
    frame = orders(client, "spot", order_id="1234")
    assert frame.empty and client.calls[0][1] == {
        "category": "spot",
        "openOnly": 0,
        "orderId": "1234",
        "limit": 50,
    }
    with pytest.raises(ValueError, match="order_id must be an id of up to 64 ASCII characters"):
        orders(client, "spot", order_id="x" * 65)
    with pytest.raises(ValueError, match="holds characters no Bybit id has"):
        orders(client, "spot", order_id="1&category=option")
    with pytest.raises(ValueError, match=r"order_filter 'Stop' is not valid; allowed: 'Order', 'StopOrder'"):
        orders(client, "linear", order_filter="Stop")
