import os

import pytest

from mistral_lite.config import Config
from mistral_lite.errors import StartRefused
from mistral_lite.node import Node
from mistral_lite.store.dir_lock import DataDirLock


def test_a_held_directory_is_refused_with_the_holder(tmp_path):
    held = DataDirLock.acquire(tmp_path / "data")
    try:
        with pytest.raises(StartRefused, match=f"is in use by process {os.getpid()} "):
            DataDirLock.acquire(tmp_path / "data")
    finally:
        held.release()
    DataDirLock.acquire(tmp_path / "data").release()


async def test_a_node_holds_its_directory_until_it_closes(tmp_path):
    config = Config(data_dir=str(tmp_path / "data"))
    node = Node.open(config)
    with pytest.raises(StartRefused, match="is in use"):
        Node.open(config)
    await node.close()
    await Node.open(config).close()


def test_a_refused_database_releases_the_lock(tmp_path):
    config = Config(data_dir=str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    config.database_path.write_bytes(b"not a database" * 100)
    with pytest.raises(StartRefused, match="is not a SQLite database"):
        Node.open(config)
    DataDirLock.acquire(tmp_path / "data").release()
