"""``ccimatch model train-ranker | show | drop``: the learned ranking model (issue #16 point 3), trained on the
stored relationships (:mod:`service.catalogue.training`), saved in the database, used by suggest when its
features are this ranking's. :func:`register` adds them to the ``model`` group (beside ``model prepare``)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

import service.cli.common as common
from service.cli.common import DbOpt, JsonOpt, print_json, say


def _validation(v: dict[str, float]) -> str:
    if "ndcg@10" not in v:
        return "no validation score"
    base = v.get("ndcg@10_weighted_mean", float("nan"))
    return (f"validation nDCG@10 {v['ndcg@10']:.3f} (weighted mean {base:.3f}) on {int(v.get('groups', 0))} "
            "held-back profiles")


def train_ranker(
    db: DbOpt = None,
    threads: Annotated[int, typer.Option(min=1, help="LightGBM threads.")] = 2,
    as_json: JsonOpt = False,
) -> None:
    """Learn how to rank suggestions from the stored relationships (time-ordered split; exit 2 if too little)."""
    from service.catalogue.training import train

    report = train(common.open_catalogue(db), threads=threads)
    if as_json:
        print_json(report.to_dict())
        return
    m, split = report.model, report.split
    say(f"ranking model {report.stored.id} saved (catalogue version {m.catalogue_version}); suggest uses it now")
    say(f"  history: {split.labels} partnerships and useful meetings; labels from {split.cut.isoformat()}: "
        f"{len(split.train)} to train, {len(split.valid)} to validate; {report.groups['train']} + "
        f"{report.groups['valid']} profiles ({report.groups['left_out']} left out: no partner among their "
        "candidates)")
    say(f"  {_validation(m.validation)}")
    say(f"  features: {', '.join(m.features)}")


def _shown(stored: Any, problem: str | None) -> dict[str, Any]:
    from learning.ranker import RankerModel

    model = RankerModel.from_json(stored.body)
    return {"model_id": stored.id, "saved_at": stored.created_at.isoformat(timespec="seconds"),
            "catalogue_version": model.catalogue_version, "trained_at": model.trained_at,
            "features": list(model.features), "validation": model.validation, "training": model.training,
            "used": problem is None, "problem": problem or ""}


def show(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """The saved ranking model: when, on what, its validation score, and whether suggest uses it."""
    from service.catalogue.graph_state import saved_model
    from storage.db import open_database
    from storage.models import latest_model

    engine = open_database(common.settings(db).db)
    stored = latest_model(engine)
    if stored is None:
        if as_json:
            print_json({"model_id": None, "used": False, "ranking": "weighted_mean"})
        else:
            say("no ranking model saved: suggestions are ranked by the weighted mean (ccimatch model train-ranker)")
        return
    _, _, note = saved_model(engine)
    data = _shown(stored, note or None)
    data["ranking"] = "learned" if data["used"] else "weighted_mean"
    if as_json:
        print_json(data)
        return
    say(f"ranking model {data['model_id']} saved {data['saved_at']}, trained on catalogue version "
        f"{data['catalogue_version']}: {_validation(data['validation'])}")
    say(f"  features: {', '.join(data['features'])}")
    say("  used by suggest" if data["used"] else f"  NOT used: {note}")


def drop(db: DbOpt = None) -> None:
    """Delete the saved ranking models: suggestions go back to the weighted mean."""
    from storage.db import open_database
    from storage.models import drop_models

    n = drop_models(open_database(common.settings(db).db))
    say(f"{n} ranking model(s) dropped: suggestions are ranked by the weighted mean")


def register(group: typer.Typer) -> None:
    """Add ``train-ranker``, ``show`` and ``drop`` to the ``model`` command group."""
    group.command("train-ranker")(train_ranker)
    group.command("show")(show)
    group.command("drop")(drop)
