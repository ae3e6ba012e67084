"""Pure domain for ccimatch: profiles, taxonomy, constraints as masks, ranking, and B2B meeting scheduling.

Depends on numpy and the solver libraries ortools (CP-SAT) and python-sat (RC2), used by
:mod:`matcher.scheduling`, only: never torch, faiss, fastapi, sqlalchemy, files or network. The encoder
and the vector index are reached through the protocols in :mod:`matcher.protocols`.
"""
