"""Database layer: SQLAlchemy models, the profile repository and the embedding cache."""
