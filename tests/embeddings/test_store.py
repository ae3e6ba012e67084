"""Index publication: a version folder per save, published by replacing the CURRENT pointer; anything not
loadable is None (never an exception); superseded folders go once nobody can still be opening them."""

from __future__ import annotations

import json
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from embeddings.index_faiss import FaissIndex
from embeddings.store import (
    BUILD_KEEP_SECONDS,
    KEEP_SECONDS,
    MANIFEST,
    POINTER,
    cleanup,
    current_folder,
    load_indexes,
    save_indexes,
)

IDS = ["a", "b", "c"]


def indexes(seed: int = 0) -> dict[str, FaissIndex]:
    rng = np.random.default_rng(seed)
    return {name: FaissIndex(rng.normal(size=(3, 8)).astype(np.float32)) for name in ("overall", "offers")}


def save(directory: Path, version: int, seed: int = 0) -> Path:
    save_indexes(directory, indexes(seed), model_id="m", dim=8, ids=IDS, catalogue_version=version)
    folder = current_folder(directory)
    assert folder is not None
    return folder


def load(directory: Path, version: int) -> dict[str, FaissIndex] | None:
    return load_indexes(directory, model_id="m", ids=IDS, catalogue_version=version)


def age(path: Path, seconds: float) -> None:
    """Make a folder and its files look ``seconds`` old."""
    then = time.time() - seconds
    for p in [path, *path.iterdir()] if path.is_dir() else [path]:
        os.utime(p, (then, then))


def test_a_save_publishes_a_version_folder_through_the_pointer(tmp_path: Path) -> None:
    folder = save(tmp_path / "idx", 7)
    assert folder.parent == tmp_path / "idx" and folder.name.startswith("v7-")
    assert (tmp_path / "idx" / POINTER).read_text() == folder.name
    assert json.loads((folder / MANIFEST).read_text())["catalogue_version"] == 7
    loaded = load(tmp_path / "idx", 7)
    assert loaded is not None and set(loaded) == {"overall", "offers"}
    np.testing.assert_array_equal(loaded["offers"].vectors(np.arange(3)), indexes()["offers"].vectors(np.arange(3)))
    assert load(tmp_path / "idx", 8) is None  # another catalogue version
    assert load_indexes(tmp_path / "idx", model_id="m", ids=["a", "b", "x"], catalogue_version=7) is None
    assert sorted(p.name for p in (tmp_path / "idx").iterdir()) == [POINTER, folder.name]  # no temp left


def test_a_new_save_leaves_the_previous_folder_for_a_while(tmp_path: Path) -> None:
    directory = tmp_path / "idx"
    first = save(directory, 1)
    second = save(directory, 2, seed=1)
    assert first != second and first.is_dir()  # a reader that read the pointer just before can still open it
    assert load(directory, 2) is not None
    assert cleanup(directory) == []
    age(first, KEEP_SECONDS + 5)
    age(second, KEEP_SECONDS + 5)  # the current folder is never removed, however old
    assert cleanup(directory) == [first.name]
    assert not first.exists() and load(directory, 2) is not None


def test_the_superseded_folder_counts_its_age_from_when_it_was_superseded(tmp_path: Path) -> None:
    directory = tmp_path / "idx"
    first = save(directory, 1)
    age(first, 3600)  # published an hour ago, current until now
    save(directory, 2)
    assert first.is_dir()  # touched when the pointer moved away from it


def test_cleanup_removes_stale_builds_stray_pointers_and_the_former_layout(tmp_path: Path) -> None:
    directory = tmp_path / "idx"
    current = save(directory, 1)
    stale, young = directory / ".tmp-crashed", directory / ".tmp-building"
    for build in (stale, young):
        build.mkdir()
        (build / "overall.faiss").write_bytes(b"partial")
    age(stale, BUILD_KEEP_SECONDS + 5)
    age(young, KEEP_SECONDS + 5)  # an hour is left to a build in progress
    stray = directory / f".{POINTER}-dead"
    stray.write_text("v0-x")
    age(stray, KEEP_SECONDS + 5)
    (directory / MANIFEST).write_text("{}")  # the former single-folder layout
    (directory / "overall.faiss").write_bytes(b"old")
    (directory / "overall.faiss.ivf").write_bytes(b"old")
    removed = cleanup(directory)
    assert sorted(removed) == sorted([stale.name, stray.name, MANIFEST, "overall.faiss", "overall.faiss.ivf"])
    assert young.is_dir() and current.is_dir() and load(directory, 1) is not None


@pytest.mark.parametrize("damage", ["no-pointer", "vanished", "truncated", "bad-json", "bad-pointer", "escape",
                                    "missing-file", "empty-manifest"])
def test_anything_not_loadable_is_none_never_an_error(tmp_path: Path, damage: str) -> None:
    directory = tmp_path / "idx"
    folder = save(directory, 3)
    if damage == "no-pointer":
        (directory / POINTER).unlink()
    elif damage == "vanished":  # removed by another process between reading the pointer and opening it
        shutil.rmtree(folder)
    elif damage == "truncated":
        path = folder / "overall.faiss"
        path.write_bytes(path.read_bytes()[:40])
    elif damage == "bad-json":
        (folder / MANIFEST).write_text('{"model_id": "m", "dim"')
    elif damage == "bad-pointer":
        (directory / POINTER).write_bytes(b"\xff\xfe")
    elif damage == "escape":
        (directory / POINTER).write_text("../../etc")
    elif damage == "missing-file":
        (folder / "offers.faiss").unlink()
    else:
        (folder / MANIFEST).write_text("[]")
    assert load(directory, 3) is None


def test_a_faiss_error_while_loading_is_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "idx"
    save(directory, 3)

    def broken(*args: object, **kwargs: object) -> FaissIndex:
        raise RuntimeError("Error in faiss::read_index")

    monkeypatch.setattr(FaissIndex, "load", broken)
    assert load(directory, 3) is None


def test_many_concurrent_saves_never_fail_and_leave_a_loadable_version(tmp_path: Path) -> None:
    """The former design renamed the whole folder through '<dir>.old' and failed with ENOTEMPTY here."""
    directory = tmp_path / "idx"

    def work(version: int) -> int:
        save_indexes(directory, indexes(version), model_id="m", dim=8, ids=IDS, catalogue_version=version)
        for _ in range(3):
            load(directory, version)
        return version

    with ThreadPoolExecutor(6) as pool:
        assert sorted(pool.map(work, range(30))) == list(range(30))
    folder = current_folder(directory)
    assert folder is not None
    version = int(folder.name[1:].split("-")[0])
    assert load(directory, version) is not None
