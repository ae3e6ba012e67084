"""``ccimatch eval cordis --dask``: on a small slice the history texts encoded on a threaded LocalCluster give the
single-process vectors and figures; an unreachable scheduler is one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import embeddings.dask_encode as dask_encode
import service.dask_batch as dask_batch
from embeddings.dask_encode import DaskEncoder, connect
from evaluation.cordis import build_protocol
from evaluation.cordis_eval import embed_history, evaluate_protocol
from tests.conftest import FakeEncoder
from tests.dask_cluster import BUILT, FakeFactory, dask_address
from tests.evaluation.test_cli import root

__all__ = ["dask_address"]


@pytest.mark.shared_data
def test_cordis_slice_on_dask_gives_the_single_process_figures(cordis, tmp_path: Path, dask_address: str) -> None:
    data, split = cordis
    protocol = build_protocol(data, split, limit=4)
    alone = embed_history(protocol, FakeEncoder(), tmp_path / "alone.db")
    client = connect(dask_address)
    try:
        BUILT.clear()
        encoder = DaskEncoder(client, FakeFactory())
        on_dask = embed_history(protocol, encoder, tmp_path / "dask.db")  # its own cache: every text is encoded
    finally:
        client.close()
    assert encoder.last.texts == len(set(protocol.texts.values())) and encoder.last.parts > 1 and len(BUILT) == 2
    assert on_dask.keys() == alone.keys()
    np.testing.assert_allclose(np.stack([on_dask[p] for p in alone]), np.stack(list(alone.values())), atol=1e-6)
    runs = [evaluate_protocol(protocol, vectors, FakeEncoder.dim, weights=(0.5, 0.4, 0.1),
                              methods=("ranking", "semantic")) for vectors in (alone, on_dask)]
    for method in ("ranking", "semantic"):
        for metric, values in runs[0].methods[method].items():
            np.testing.assert_allclose(runs[1].methods[method][metric], values, atol=1e-9, err_msg=metric)


def test_eval_with_an_unreachable_scheduler_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dask_batch, "worker_encoder", lambda settings: FakeFactory())
    monkeypatch.setattr(dask_encode, "CONNECT_TIMEOUT", 1.0)
    result = CliRunner().invoke(root(), ["eval", "cordis", "--limit", "4", "--dask", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2 and result.stdout == "" and "Traceback" not in result.output
    assert result.stderr.startswith("error: --dask tcp://127.0.0.1:9: cannot reach the Dask scheduler")
