"""Evaluation against real partnerships (CORDIS) and cross-lingual checks (later issues)."""
