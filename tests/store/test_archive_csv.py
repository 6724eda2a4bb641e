"""Daily trade archive files to typed tables: both formats, exact times, columns the archive adds later."""

from __future__ import annotations

import gzip

import pyarrow as pa
import pytest

from bybit_research.store.archive_csv import archive_table

CONTRACT = (
    "timestamp,symbol,side,size,price,tickDirection,trdMatchID,grossValue,homeNotional,foreignNotional,RPI\n"
    "1717200000.1234,BTCUSDT,Buy,0.005,67000.5,PlusTick,a1b2,3.350025e+07,0.005,335.0025,0\n"
    "1717200001,BTCUSDT,Sell,1.2,66999.9,MinusTick,c3d4,8.039988e+09,1.2,80399.88,1\n"
)


def test_contract_files_become_typed_columns_with_exact_times() -> None:
    table = archive_table(gzip.compress(CONTRACT.encode()), "linear", "BTCUSDT")
    assert table.column_names == [
        "time",
        "side",
        "size",
        "price",
        "tick_direction",
        "trd_match_id",
        "gross_value",
        "home_notional",
        "foreign_notional",
        "rpi",
    ]
    assert table.schema.field("time").type == pa.timestamp("us", tz="UTC")
    micros = table["time"].cast(pa.int64()).to_pylist()
    assert micros == [1_717_200_000_123_400, 1_717_200_001_000_000]
    assert table["price"].type == pa.float64() and table["price"].to_pylist() == [67000.5, 66999.9]
    assert table["gross_value"].to_pylist() == [33_500_250.0, 8_039_988_000.0]
    assert table["rpi"].type == pa.bool_() and table["rpi"].to_pylist() == [False, True]
    assert table["trd_match_id"].to_pylist() == ["a1b2", "c3d4"]


def test_spot_files_and_plain_csv() -> None:
    spot = (
        "id,timestamp,price,volume,side,rpi\n"
        "1,1717200000123,3800.12,0.5,buy,0\n"
        "2,1717200000999,3800,1,sell,1\n"
    )
    table = archive_table(spot.encode(), "spot", "ETHUSDT")
    assert table.column_names == ["time", "id", "price", "volume", "side", "rpi"]
    assert table["time"].cast(pa.int64()).to_pylist() == [1_717_200_000_123_000, 1_717_200_000_999_000]
    assert table["id"].type == pa.int64() and table["volume"].to_pylist() == [0.5, 1.0]


def test_a_column_the_archive_adds_is_kept() -> None:
    newer = CONTRACT.replace(",RPI\n", ",RPI,blockTrade\n", 1)
    lines = newer.splitlines()
    newer = "\n".join([lines[0], lines[1] + ",true", lines[2] + ",false"]) + "\n"
    table = archive_table(gzip.compress(newer.encode()), "linear", "BTCUSDT")
    assert table.column_names[-2:] == ["rpi", "block_trade"]
    assert table["block_trade"].to_pylist() == [True, False]


def test_an_empty_day_has_the_columns_and_no_rows() -> None:
    table = archive_table(gzip.compress(CONTRACT.splitlines()[0].encode() + b"\n"), "inverse", "BTCUSD")
    assert table.num_rows == 0 and table.column_names[0] == "time" and "size" in table.column_names


def test_bad_files_are_refused() -> None:
    with pytest.raises(
        ValueError, match=r"the archive file of ETHUSDT has rows of other symbols: \['BTCUSDT'\]"
    ):
        archive_table(gzip.compress(CONTRACT.encode()), "linear", "ETHUSDT")
    with pytest.raises(ValueError, match="has no timestamp column"):
        archive_table(b"a,b\n1,2\n", "linear", "BTCUSDT")
    with pytest.raises(ValueError, match="is not a readable CSV"):
        archive_table(b"\x1f\x8b\x08garbage", "linear", "BTCUSDT")
