"""The history store's layout and its safe writes: partition folders, kinds, opening roots on any filesystem,
the marker that tells a store from a foreign folder, atomic file writes and their footer metadata."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from bybit_research.store import parquet_writes
from bybit_research.store.history_paths import (
    ENV_HISTORY,
    KINDS,
    MARKER,
    check_category,
    check_kind,
    default_root,
    kline_kind,
    open_store,
)
from bybit_research.store.parquet_writes import (
    META_KEY,
    file_meta,
    prepare_store,
    remove_stale_temps,
    write_atomic,
)

MS_UTC = pa.timestamp("ms", tz="UTC")


def minutes(first_ms: int, count: int) -> pa.Table:
    """A klines table of ``count`` minutes from ``first_ms``, values counting up."""
    times = pa.array([first_ms + i * 60_000 for i in range(count)], MS_UTC)
    values = [float(i) for i in range(count)]
    columns = {"time": times, **{n: values for n in ("open", "high", "low", "close", "volume", "turnover")}}
    return pa.table({**columns, "closed": [True] * count}).cast(KINDS["klines"].schema)


def test_partition_folders_of_every_kind() -> None:
    series = {"category": "linear", "symbol": "BTCUSDT", "year": 2024, "month": 1}
    assert (
        KINDS["klines"].partition_dir(**series, interval="1")
        == "klines/category=linear/symbol=BTCUSDT/interval=1/year=2024/month=01"
    )
    assert (
        KINDS["open_interest"].partition_dir(**series, interval="5min")
        == "open_interest/category=linear/symbol=BTCUSDT/interval=5min/year=2024/month=01"
    )
    assert (
        KINDS["funding"].partition_dir(**series)
        == "funding/category=linear/symbol=BTCUSDT/year=2024/month=01"
    )
    assert (
        KINDS["trades"].partition_dir(category="spot", symbol="ETHUSDT", date="2024-06-01")
        == "trades/category=spot/symbol=ETHUSDT/date=2024-06-01"
    )
    assert [k for k in KINDS if KINDS[k].by_day] == ["trades"]
    assert [k for k in KINDS if not KINDS[k].has_interval] == ["funding", "trades"]


def test_kind_schemas_are_the_frames_schemas() -> None:
    klines = KINDS["klines"].schema
    assert klines.names == ["time", "open", "high", "low", "close", "volume", "turnover", "closed"]
    assert klines.field("time").type == MS_UTC and klines.field("closed").type == pa.bool_()
    assert {klines.field(n).type for n in klines.names[1:7]} == {pa.float64()}
    assert KINDS["mark_klines"].schema.names == ["time", "open", "high", "low", "close", "closed"]
    assert KINDS["funding"].schema.names == ["time", "funding_rate"]
    assert KINDS["open_interest"].schema.names == ["time", "open_interest", "single_open_interest"]
    assert KINDS["trades"].schema.field("time").type == pa.timestamp("us", tz="UTC")
    assert KINDS["klines"].partition_schema.names == ["category", "symbol", "interval", "year", "month"]


def test_kinds_flavours_and_categories_are_checked() -> None:
    assert [kline_kind(p).name for p in ("last", "MARK", " index", "premium")] == [
        "klines",
        "mark_klines",
        "index_klines",
        "premium_klines",
    ]
    with pytest.raises(
        ValueError, match=r"price 'bid' is not valid; allowed: 'last', 'mark', 'index', 'premium'"
    ):
        kline_kind("bid")
    with pytest.raises(ValueError, match=r"kind 'candles' is not valid; allowed: 'klines', 'mark_klines'"):
        check_kind("candles")
    assert check_category(KINDS["funding"], "Inverse") == "inverse"
    with pytest.raises(
        ValueError, match=r"funding are not available for category 'spot'; allowed: 'linear', 'inverse'"
    ):
        check_category(KINDS["funding"], "spot")
    with pytest.raises(
        ValueError,
        match=r"trades are not available for category 'option'; allowed: 'linear', 'inverse', 'spot'",
    ):
        check_category(KINDS["trades"], "option")
    with pytest.raises(
        ValueError, match=r"premium_klines are not available for category 'inverse'; allowed: 'linear'"
    ):
        check_category(KINDS["premium_klines"], "inverse")


def test_roots_on_local_disk_urls_and_fsspec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local = open_store(tmp_path / "a")
    assert local.local and local.root == str(tmp_path / "a") and local.fsspec is None
    as_url = open_store(f"file://{tmp_path}/b")
    assert as_url.local and as_url.root == f"{tmp_path}/b"
    memory = open_store("memory://team/store")
    assert not memory.local and memory.fsspec is not None and memory.url == "memory://team/store"
    monkeypatch.setenv(ENV_HISTORY, str(tmp_path / "env-store"))
    assert default_root() == str(tmp_path / "env-store") and open_store().root == str(tmp_path / "env-store")
    monkeypatch.delenv(ENV_HISTORY)
    assert default_root().endswith(os.path.join("bybit_research", "history"))
    with pytest.raises(ValueError, match="path must be a folder or a filesystem URL"):
        open_store(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="path must not be empty"):
        open_store("  ")
    with pytest.raises(ValueError, match="is not a filesystem URL pyarrow or fsspec can open"):
        open_store("nosuchscheme://x/y")


def test_a_new_or_empty_folder_becomes_a_store(tmp_path: Path) -> None:
    new = open_store(tmp_path / "new" / "deeper")
    prepare_store(new)
    assert (tmp_path / "new" / "deeper" / MARKER).read_text().startswith("{")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / ".DS_Store").write_bytes(b"")  # hidden files do not make a folder foreign
    prepare_store(open_store(empty))
    assert sorted(p.name for p in empty.iterdir()) == [".DS_Store", MARKER]
    prepare_store(open_store(empty))  # an existing store is accepted again
    assert sorted(p.name for p in empty.iterdir()) == [".DS_Store", MARKER]


def test_foreign_files_and_unwritable_paths_are_refused(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(
        ValueError, match=r"is not empty \(notes\.txt\) and is not a bybit_research history store"
    ):
        prepare_store(open_store(foreign))
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]  # nothing written
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(ValueError, match="is a file; give a folder"):
        prepare_store(open_store(a_file))
    with pytest.raises(ValueError, match="cannot be written"):
        prepare_store(open_store(a_file / "below"))


def test_writes_are_whole_files_with_their_coverage(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    prepare_store(store)
    directory = KINDS["klines"].partition_dir(category="linear", symbol="X", interval="1", year=2024, month=1)
    meta = {"start": 1_704_067_200_000, "end": 1_704_067_500_000, "complete": False, "server_time": 5}
    relative = write_atomic(store, directory, minutes(1_704_067_200_000, 5), meta)
    assert relative == f"{directory}/data.parquet"
    assert sorted(p.name for p in (tmp_path / directory).iterdir()) == ["data.parquet"]  # no temporary left
    read = file_meta(store, relative)
    assert read is not None
    assert {k: read[k] for k in meta} == meta
    assert read["rows"] == 5 and read["bytes"] == (tmp_path / relative).stat().st_size
    assert (read["first"], read["last"]) == (1_704_067_200_000, 1_704_067_440_000)
    table = pq.read_table(tmp_path / relative)
    assert table.schema.remove_metadata() == KINDS["klines"].schema and META_KEY in table.schema.metadata
    write_atomic(store, directory, minutes(1_704_067_200_000, 7), {**meta, "complete": True})
    rewritten = file_meta(store, relative)
    assert rewritten is not None and rewritten["rows"] == 7 and rewritten["complete"] is True


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(tmp_path)
    directory = "klines/category=linear/symbol=X/interval=1/year=2024/month=01"
    write_atomic(store, directory, minutes(0, 3), {"start": 0, "end": 180_000, "complete": True})
    real = pq.write_table

    def half_then_fail(table: pa.Table, where: str, **options: object) -> None:
        real(table.slice(0, 1), where, **options)  # a part is on disk when the process "dies"
        raise KeyboardInterrupt

    monkeypatch.setattr(parquet_writes.pq, "write_table", half_then_fail)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(store, directory, minutes(0, 9), {"start": 0, "end": 540_000, "complete": True})
    assert sorted(p.name for p in (tmp_path / directory).iterdir()) == ["data.parquet"]
    assert pq.read_table(tmp_path / directory / "data.parquet").num_rows == 3


def test_stale_temporary_files_are_removed(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    folder = tmp_path / "klines" / "category=linear" / "symbol=X" / "interval=1" / "year=2024" / "month=01"
    folder.mkdir(parents=True)
    old, fresh, data = (
        folder / ".data.parquet.1-aa.tmp",
        folder / ".data.parquet.2-bb.tmp",
        folder / "data.parquet",
    )
    for path in (old, fresh, data):
        path.write_bytes(b"x")
    hour_ago = time.time() - 3700
    os.utime(old, (hour_ago, hour_ago))
    assert remove_stale_temps(store, "klines/category=linear/symbol=X") == 1
    assert sorted(p.name for p in folder.iterdir()) == [fresh.name, data.name]
    assert remove_stale_temps(store, "klines/category=linear/symbol=NONE") == 0


def test_writes_on_an_fsspec_filesystem() -> None:
    store = open_store("memory://layout-test/root")
    prepare_store(store)
    assert store.has_marker()
    relative = write_atomic(
        store,
        "funding/category=linear/symbol=X/year=2024/month=02",
        pa.table({"a": [1]}),
        {"start": 1, "end": 2, "complete": True},
    )
    assert store.fs.get_file_info(store.path(relative)).type == pafs.FileType.File
    meta = file_meta(store, relative)
    assert meta is not None and meta["rows"] == 1 and (meta["first"], meta["last"]) == (None, None)
    names = [
        e.base_name for e in store.fs.get_file_info(pafs.FileSelector(store.path("funding"), recursive=True))
    ]
    assert not [n for n in names if n.endswith(".tmp")]


def test_files_without_the_stores_metadata_are_not_trusted(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    folder = tmp_path / "funding" / "category=linear" / "symbol=X" / "year=2024" / "month=01"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"a": [1]}), folder / "data.parquet")
    assert file_meta(store, "funding/category=linear/symbol=X/year=2024/month=01/data.parquet") is None
    (folder / "data.parquet").write_bytes(b"not parquet")
    assert file_meta(store, "funding/category=linear/symbol=X/year=2024/month=01/data.parquet") is None
    assert file_meta(store, "funding/missing/data.parquet") is None


def test_each_column_gets_the_encoding_that_suits_it(tmp_path: Path) -> None:
    count = 1000
    table = pa.table(
        {
            "time": pa.array([1_717_200_000_000 + i for i in range(count)], pa.timestamp("us", tz="UTC")),
            "side": ["Buy", "Sell"] * (count // 2),
            "trd_match_id": [f"id-{i}" for i in range(count)],
            "price": [60_000.0 + i / 10 for i in range(count)],
            "rpi": [False] * count,
        }
    )
    options = parquet_writes.writer_options(table)
    assert options["use_dictionary"] == ["side"]
    assert options["column_encoding"] == {"time": "DELTA_BINARY_PACKED"}
    assert (options["compression"], options["compression_level"]) == ("zstd", 9)
    relative = write_atomic(open_store(tmp_path), "trades/x", table, {"start": 0, "end": 1, "complete": True})
    group = pq.read_metadata(tmp_path / relative).row_group(0)
    encodings = {group.column(i).path_in_schema: group.column(i).encodings for i in range(group.num_columns)}
    assert "DELTA_BINARY_PACKED" in encodings["time"]
    assert "RLE_DICTIONARY" in encodings["side"] and "RLE_DICTIONARY" not in encodings["trd_match_id"]
    assert "RLE_DICTIONARY" not in encodings["price"] and "DELTA_BINARY_PACKED" not in encodings["price"]
    assert pq.read_table(tmp_path / relative).replace_schema_metadata(None).equals(table)
    empty = parquet_writes.writer_options(table.slice(0, 0))
    assert empty["use_dictionary"] == [] and empty["column_encoding"] == {"time": "DELTA_BINARY_PACKED"}
