"""Batch work on a Dask cluster (``--dask SCHEDULER_ADDRESS``): what the workers build from the settings, and
the partitioned jobs of the front ends.

- ``ingest`` and ``eval cordis``: the texts are encoded by :class:`embeddings.dask_encode.DaskEncoder`; the
  catalogue takes it as its encoder, so the database write is the same one transaction, after every vector
  is back (nothing is written when the cluster fails).
- ``event recommend``: each participant's candidate pool (the suggestions, most of the time) is computed by
  the workers, a partition of participants each, on the catalogue each worker opens once from the same
  database; the joint choice of the lists stays here. The askers' query vectors are encoded (on the cluster)
  and stored by this process first, so the workers only read the database.

A worker finds its model the way any ccimatch process does: its own ``CCIMATCH_*`` settings (cache dir,
threads, batch size), the model and backend named by the client; the model id must be the client's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embeddings.dask_encode import (
    DaskClusterError,
    DaskEncoder,
    EncoderFactory,
    connect,
    ensure_loaded,
    gather,
    loaded,
    partitions,
    plugin_name,
)
from matcher.constraints import Constraints
from matcher.protocols import Encoder
from matcher.suggestions import SuggestionList, draft_of
from service.settings import Settings

if TYPE_CHECKING:
    from distributed import Client

    from service.catalogue import Catalogue

__all__ = ["DaskClusterError", "DaskSuggester", "WorkerCatalogue", "WorkerEncoder", "dask_catalogue",
           "dask_encoder", "worker_encoder"]


@dataclass(frozen=True, kw_only=True)
class WorkerEncoder:
    """Builds, on a worker, the encoder of ``model`` on ``backend`` from the worker's own settings."""

    model: str
    backend: str
    model_id: str

    def __call__(self) -> Encoder:
        from embeddings.encoder import load_encoder

        here = Settings()
        return load_encoder(self.model, backend=self.backend, cache_dir=here.cache_dir,
                            batch_size=here.batch_size, threads=here.threads)


def worker_encoder(settings: Settings) -> EncoderFactory:
    """The recipe of the configured encoder (its model id computed here, without loading the model)."""
    from embeddings.encoder import backend_model_id

    return WorkerEncoder(model=settings.model, backend=settings.backend,
                         model_id=backend_model_id(settings.model, settings.cache_dir, settings.backend))


@dataclass(frozen=True, kw_only=True)
class WorkerCatalogue:
    """Opens, on a worker, the catalogue of database ``db`` (a URL or an absolute path). Its encoder is the
    worker's configured one, loaded only if a text is missing from the cache (the client stores the query
    vectors first, so never in practice), or the one ``encoder`` builds (another encoder, e.g. in tests)."""

    db: str
    model_id: str
    encoder: EncoderFactory | None = None

    def __call__(self) -> Catalogue:
        from service.catalogue import Catalogue

        settings = Settings().model_copy(update={"db": self.db})
        return Catalogue.open(settings, encoder=self.encoder() if self.encoder is not None else None)


def _suggest_part(viewers: list[str], *, name: str, model_id: str, version: int, k: int, only: frozenset[str]
                  ) -> dict[str, SuggestionList]:
    from service.catalogue import suggest_many

    cat: Catalogue = loaded(name)
    if cat.model_id != model_id:
        raise DaskClusterError(f"a Dask worker's catalogue uses model {cat.model_id}, not {model_id}")
    st = cat.state()
    if st.version != version:
        raise DaskClusterError(f"the catalogue changed during the run (version {version}, a worker read "
                               f"{st.version}); run it again")
    return suggest_many(cat, viewers, k=k, constraints=Constraints(only_ids=only), allow_same_country=True)


class DaskSuggester:
    """``suggest_many`` for an event's participants, partitioned over the workers (see the module docstring):
    the same lists as one process computes, as each participant's suggestions depend only on the shared
    sub-catalogue of the event, never on the other askers of its partition."""

    def __init__(self, client: Client, recipe: WorkerCatalogue) -> None:
        self.client = client
        self.model_id = recipe.model_id
        self._name = plugin_name("catalogue", recipe)
        ensure_loaded(client, self._name, recipe)

    def __call__(self, cat: Catalogue, ids: Sequence[str], *, k: int | Mapping[str, int] = 10,
                 constraints: Constraints | Mapping[str, Constraints] | None = None,
                 allow_same_country: bool = False, **rest: Any) -> dict[str, SuggestionList]:
        from service.catalogue import suggest_many

        if (not isinstance(k, int) or not isinstance(constraints, Constraints) or constraints.only_ids is None
                or not allow_same_country or rest):  # not an event's pool: in this process
            return suggest_many(cat, ids, k=k, constraints=constraints, allow_same_country=allow_same_country,
                                **rest)
        st = cat.state()
        askers = [st.profiles[row] for pid in dict.fromkeys(ids) if (row := st.row_of(pid)) is not None]
        cat.vectors([t for p in askers for t in draft_of(p).query_texts()], role="query")  # stored once, here
        version = cat.state().version
        viewers = [p.id for p in askers]
        futures = [self.client.submit(_suggest_part, viewers[s], name=self._name, model_id=self.model_id,
                                      version=version, k=k,
                                      only=constraints.only_ids, pure=False)
                   for s in partitions(len(viewers), _workers(self.client))]
        out: dict[str, SuggestionList] = {}
        for part in gather(self.client, futures, what=f"suggestions for {len(viewers)} participants"):
            out.update(part)
        return out


def _workers(client: Client) -> int:
    return len(client.scheduler_info(n_workers=-1)["workers"])


@dataclass(frozen=True, kw_only=True)
class DaskJob:
    """A catalogue whose encoder runs on the cluster, and the client (closed at the end of the job)."""

    catalogue: Catalogue
    client: Client
    encoder: DaskEncoder
    recipe: WorkerCatalogue

    def suggester(self) -> DaskSuggester:
        return DaskSuggester(self.client, self.recipe)


@contextmanager
def dask_encoder(settings: Settings, address: str) -> Iterator[DaskEncoder]:
    """The configured encoder, run on the cluster at ``address`` (the evaluation's texts)."""
    recipe = worker_encoder(settings)
    client = connect(address)
    try:
        yield DaskEncoder(client, recipe)
    finally:
        client.close()


@contextmanager
def dask_catalogue(settings: Settings, address: str) -> Iterator[DaskJob]:
    """The catalogue of ``settings.db`` with its texts encoded on the cluster at ``address``."""
    from service.catalogue import Catalogue

    recipe = worker_encoder(settings)  # before connecting: an unprepared model is the first error
    db = settings.db if "://" in settings.db else str(Path(settings.db).expanduser().resolve())
    client = connect(address)
    try:
        encoder = DaskEncoder(client, recipe)
        catalogue = Catalogue.open(settings, encoder=encoder)
        on_workers = WorkerCatalogue(db=db, model_id=recipe.model_id,
                                     encoder=None if isinstance(recipe, WorkerEncoder) else recipe)
        yield DaskJob(catalogue=catalogue, client=client, encoder=encoder, recipe=on_workers)
    finally:
        client.close()
