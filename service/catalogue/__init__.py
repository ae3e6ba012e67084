"""The catalogue application service: profiles in the database, their vectors, the derived indexes
(:mod:`.index`), and the operations the front ends call, one module per job: writing and browsing
profiles (:mod:`.profiles`), search and suggestions (:mod:`.suggestions`), clusters (:mod:`.clusters`),
relationships between profiles (:mod:`.relationships`)."""

from matcher.errors import ConflictError, InvalidFieldsError, InvalidRequestError
from matcher.suggestions import Draft, SuggestionList
from service.catalogue.clusters import evaluate_cluster, extend_cluster, seed_cluster
from service.catalogue.index import Catalogue, State, UnknownProfileError, default_index_dir
from service.catalogue.profiles import IngestReport, browse, create, delete, ingest, patch, put
from service.catalogue.relationships import (
    RelationshipImport,
    RelationshipNotFoundError,
    add_relationship,
    delete_relationship,
    get_relationship,
    import_relationships,
    list_relationships,
)
from service.catalogue.suggestions import SearchHit, search, suggest, suggest_many

__all__ = [
    "Catalogue", "ConflictError", "Draft", "IngestReport", "InvalidFieldsError", "InvalidRequestError",
    "RelationshipImport", "RelationshipNotFoundError", "SearchHit", "State", "SuggestionList", "UnknownProfileError",
    "add_relationship", "browse", "create", "default_index_dir", "delete", "delete_relationship", "evaluate_cluster",
    "extend_cluster", "get_relationship", "import_relationships", "ingest", "list_relationships", "patch", "put",
    "search", "seed_cluster", "suggest", "suggest_many",
]
