"""Bad input to br.history: a ValueError naming what is allowed, before any request is sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import bybit_research as br
from bybit_research.client import Client
from tests.conftest import MarketClient
from tests.history.conftest import sent


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"symbols": "BTCUSD"},
            r"symbol 'BTCUSD' is an inverse contract symbol of category 'inverse', not 'linear'",
        ),
        ({"symbols": ["BTCUSDT", "BTC-28JUN24-60000-C"]}, r"is an option symbol of category 'option'"),
        ({"symbols": ["BTCUSDT", "BTCUSDT"]}, r"symbol list has duplicates: \['BTCUSDT'\]"),
        ({"symbols": ["BTCUSDT", "ETHBTC"]}, r"symbol 'ETHBTC' is not a linear symbol"),
        ({"interval": "2"}, r"interval '2' is not valid for /v5/market/kline; allowed: '1', '3', '5'"),
        ({"interval": "7m"}, r"interval '7m' is not valid"),
        ({"interval": None}, r"interval is needed for klines"),
        (
            {"start": "2024-06-01", "end": "2024-05-01"},
            r"start \(2024-06-01T00:00:00\+00:00\) must be before end",
        ),
        ({"start": None}, r"start is needed: the first day to download"),
        ({"kinds": ["klines", "candles"]}, r"kind 'candles' is not valid; allowed: 'klines', 'mark_klines'"),
        ({"kinds": []}, r"kinds must name at least one kind"),
        ({"price": "bid"}, r"price 'bid' is not valid; allowed: 'last', 'mark', 'index', 'premium'"),
        ({"category": "spot", "kinds": "klines,funding"}, r"funding are not available for category 'spot'"),
        ({"category": "spot", "price": "mark"}, r"mark_klines are not available for category 'spot'"),
        ({"category": "option", "kinds": "trades"}, r"trades are not available for category 'option'"),
        (
            {"category": "futures"},
            r"klines are not available for category 'futures'; allowed: 'spot', 'linear'",
        ),
        ({"kinds": "open_interest", "open_interest_interval": "2h"}, r"intervalTime '2h' is not valid"),
        ({"workers": 0}, r"workers must be an integer >= 1, got 0"),
    ],
)
def test_bad_arguments_are_refused_before_any_request(
    client: MarketClient, app: Any, tmp_path: Path, arguments: dict[str, Any], message: str
) -> None:
    call: dict[str, Any] = {
        "symbols": ["BTCUSDT"],
        "interval": "1",
        "start": "2024-01-01",
        "end": "2024-02-01",
    }
    call.update(arguments)
    target = tmp_path / "store"
    with pytest.raises(ValueError, match=message):
        br.history.download(**call, path=target, client=client, progress=False)
    assert sent(app) == 0
    assert not target.exists()  # nothing created either


def test_foreign_and_unwritable_folders_are_refused_before_any_request(
    client: MarketClient, app: Any, tmp_path: Path
) -> None:
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"jpeg")
    with pytest.raises(
        ValueError, match=r"is not empty \(holiday\.jpg\) and is not a bybit_research history store"
    ):
        br.history.download(
            "BTCUSDT", "1", "2024-01-01", "2024-01-02", path=foreign, client=client, progress=False
        )
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ValueError, match=r"cannot be written"):
        br.history.download(
            "BTCUSDT", "1", "2024-01-01", "2024-01-02", path=blocker / "store", client=client, progress=False
        )
    assert sent(app) == 0 and sorted(p.name for p in foreign.iterdir()) == ["holiday.jpg"]


def test_testnet_has_no_trade_archive(tmp_path: Path) -> None:
    with Client(env="testnet", cache=False) as testnet:
        assert testnet.archive_url is None
        with pytest.raises(ValueError, match=r"env='testnet' has no public trade archive"):
            br.history.download(
                "BTCUSDT",
                None,
                "2024-01-01",
                "2024-01-02",
                kinds="trades",
                path=tmp_path,
                client=testnet,
                progress=False,
            )
        with pytest.raises(ValueError, match=r"env='testnet' has no public trade archive"):
            testnet.archive_get("/trading/")
    with Client(env="mainnet", cache=False) as mainnet:
        assert mainnet.archive_url == "https://public.bybit.com"
    with Client(base_url="http://127.0.0.1:9", cache=False) as custom:
        assert custom.archive_url == "http://127.0.0.1:9"
        with pytest.raises(ValueError, match=r"archive path must start with '/'"):
            custom.archive_get("trading/")


def test_reading_what_the_store_does_not_hold(client: MarketClient, tmp_path: Path) -> None:
    br.history.download(
        ["BTCUSDT"],
        "60",
        "2024-05-01",
        "2024-06-01",
        kinds=["klines", "funding"],
        path=tmp_path,
        client=client,
        progress=False,
    )
    with pytest.raises(ValueError, match=r"holds no klines of ETHUSDT \(linear\); it holds \['BTCUSDT'\]"):
        br.history.read(["BTCUSDT", "ETHUSDT"], path=tmp_path)
    with pytest.raises(
        ValueError,
        match=r"holds no klines of BTCUSDT \(linear\) at interval '1'; it holds intervals \['60'\]",
    ):
        br.history.read("BTCUSDT", interval="1", path=tmp_path)
    with pytest.raises(ValueError, match=r"interval '2' is not valid for /v5/market/kline"):
        br.history.read("BTCUSDT", interval="2", path=tmp_path)
    with pytest.raises(ValueError, match=r"funding have no interval"):
        br.history.read("BTCUSDT", interval="60", kind="funding", path=tmp_path)
    with pytest.raises(
        ValueError, match=r"columns \['vwap'\] are not stored for klines; allowed: \['open', 'high'"
    ):
        br.history.read("BTCUSDT", columns=["close", "vwap"], path=tmp_path)
    with pytest.raises(ValueError, match=r"price='mark' applies to kind='klines' only"):
        br.history.read("BTCUSDT", kind="funding", price="mark", path=tmp_path)
    with pytest.raises(ValueError, match=r"holds no open_interest; it holds: \['klines', 'funding'\]"):
        br.history.dataset(tmp_path, "open_interest")
    with pytest.raises(ValueError, match=r"start \(2024-05-02T00:00:00\+00:00\) must be before end"):
        br.history.read("BTCUSDT", "2024-05-02", "2024-05-01", path=tmp_path)
    with pytest.raises(ValueError, match=r"interval '2' is not valid for /v5/market/kline"):
        br.history.klines_from_trades("BTCUSDT", "2", path=tmp_path)


def test_gaps_in_the_store_are_warned_about(client: MarketClient, tmp_path: Path) -> None:
    br.history.download(
        "BTCUSDT", "60", "2024-03-01", "2024-04-01", path=tmp_path, client=client, progress=False
    )
    br.history.download(
        "BTCUSDT", "60", "2024-05-01", "2024-05-10", path=tmp_path, client=client, progress=False
    )
    with pytest.warns(
        br.history.HistoryGapWarning, match=r"BTCUSDT: 2024-04-01T00:00:00.000Z..2024-05-01T00:00"
    ):
        frame = br.history.read("BTCUSDT", "2024-03-01", "2024-05-20", path=tmp_path)
    assert frame.attrs["missing"] == [
        ["2024-04-01T00:00:00.000Z", "2024-05-01T00:00:00.000Z"],
        ["2024-05-10T00:00:00.000Z", "2024-05-20T00:00:00.000Z"],
    ]
    assert len(frame) == 31 * 24 + 9 * 24
