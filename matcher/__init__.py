"""Pure domain and ranking for ccimatch: profiles, taxonomy, constraints as masks, search.

Depends on numpy only (never torch, faiss or fastapi); the encoder and the vector index are
reached through the protocols in :mod:`matcher.protocols`.
"""
