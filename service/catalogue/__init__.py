"""The catalogue application service: profiles in the database, their vectors, the derived indexes
(:mod:`.index`), and the operations the front ends call, one module per job: writing and browsing
profiles (:mod:`.profiles`), search and suggestions (:mod:`.suggestions`), clusters (:mod:`.clusters`)."""

from matcher.errors import ConflictError, InvalidFieldsError, InvalidRequestError
from matcher.suggestions import Draft, SuggestionList
from service.catalogue.clusters import evaluate_cluster, extend_cluster, seed_cluster
from service.catalogue.index import Catalogue, State, UnknownProfileError, default_index_dir
from service.catalogue.profiles import IngestReport, browse, create, delete, ingest, patch, put
from service.catalogue.suggestions import SearchHit, search, suggest, suggest_many

__all__ = [
    "Catalogue", "ConflictError", "Draft", "IngestReport", "InvalidFieldsError", "InvalidRequestError", "SearchHit",
    "State", "SuggestionList", "UnknownProfileError", "browse", "create", "default_index_dir", "delete",
    "evaluate_cluster", "extend_cluster", "ingest", "patch", "put", "search", "seed_cluster", "suggest", "suggest_many",
]
