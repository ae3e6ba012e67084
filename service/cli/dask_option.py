"""The ``--dask SCHEDULER_ADDRESS`` option of the batch commands (``ingest``, ``event recommend``, ``eval
cordis``) and what it opens: the catalogue or the event service with their work partitioned over a Dask
cluster (:mod:`service.dask_batch`), or the usual single-process ones without it. Dask is imported only when
the option is given."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

import service.cli.common as common

if TYPE_CHECKING:
    from service.catalogue import Catalogue
    from service.events import EventService

DaskOpt = Annotated[str | None, typer.Option(
    "--dask", metavar="SCHEDULER_ADDRESS",
    help="Partition the work over the Dask cluster of this scheduler, e.g. tcp://10.0.0.5:8786; each worker "
         "loads the encoder once (from its own CCIMATCH_ settings and cache dir) and the database is written "
         "by this process, in one transaction, once every partition is back.")]


@contextmanager
def batch_catalogue(db: str | None, address: str | None) -> Iterator[Catalogue]:
    """The catalogue of ``--db``; with ``--dask``, its texts are encoded on the cluster."""
    if address is None:
        yield common.open_catalogue(db)
        return
    from service.dask_batch import dask_catalogue

    with dask_catalogue(common.settings(db), address) as job:
        yield job.catalogue


@contextmanager
def batch_events(db: str | None, address: str | None) -> Iterator[EventService]:
    """The event service of ``--db``; with ``--dask``, the participants' suggestions are computed on the
    cluster (and any text is encoded there)."""
    from service.events import EventService

    if address is None:
        yield EventService(common.open_catalogue(db))
        return
    from service.dask_batch import dask_catalogue

    with dask_catalogue(common.settings(db), address) as job:
        yield EventService(job.catalogue, suggest_many=job.suggester())
