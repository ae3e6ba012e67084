"""The int8 pre-scan codes of a catalogue version written into its index folder before the folder is published
(:func:`embeddings.store.save_indexes`' ``before_publish``), so that no process has to quantise the new version's
vectors again: an index with rows spliced in (a compaction) gets its pre-scan's codes gathered in the new row order
(the base's codes and the delta's, at the base's scale: the bound's constants stay valid for every row), an index
linked unchanged from the previous folder gets its codes linked too. At 1M profiles building the codes took 30 s of
CPU per process (under load) and each process on the machine did it after every compaction, scanning 7.2 GB in
float32 meanwhile; gathering them is a copy of their 1.8 GB. Nothing is written for an index without a pre-scan at
hand (the first process to need it builds it, as before), and a failure is logged, never the publication's."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from embeddings.index_faiss import FaissIndex
from embeddings.index_gathered import GatheredIndex
from embeddings.prescan import TARGETS, GatheredPrescan
from embeddings.prescan_cache import prescan_of
from embeddings.prescan_store import link_codes, save_codes_from

log = logging.getLogger("ccimatch.prescan")


def write_codes(folder: Path, indexes: Mapping[str, object]) -> list[str]:
    """Save beside ``folder``'s index files the codes of the scanned ``indexes`` that have them at hand; the
    names of those saved."""
    done = []
    for name in TARGETS:
        index, path = indexes.get(name), folder / f"{name}.faiss"
        try:
            if not path.is_file():
                continue
            if isinstance(index, GatheredIndex):
                found = prescan_of(index, wait=False)  # the base's codes mapped: at once
                if isinstance(found, GatheredPrescan) and _save_gathered(path, found):
                    done.append(name)
            elif (isinstance(index, FaissIndex) and index.source is not None and index.source.is_file()
                  and path.samefile(index.source)
                  and link_codes(index.source, path)):
                done.append(name)
        except Exception:
            log.exception("could not write the int8 pre-scan of %s; the first process to need it builds it", path)
    return done


def _save_gathered(path: Path, found: GatheredPrescan) -> bool:
    base = found.base.codes.numpy()
    delta = found.delta.codes.numpy() if found.delta is not None else np.zeros((0, base.shape[1]), np.int8)
    nb = len(base)

    def rows(lo: int, hi: int) -> np.ndarray:
        source = found.source[lo:hi]
        out = np.empty((hi - lo, base.shape[1]), np.int8)
        in_base = source < nb
        out[in_base] = base[source[in_base]]
        out[~in_base] = delta[source[~in_base] - nb]
        return out

    return save_codes_from(path, (len(found.source), base.shape[1]), rows,
                           {"scale": found.scale, "residual": found.residual, "norm": found.norm})
