"""Models learned from the platform's history (who worked with whom); the domain (matcher/) only sees
their predictions through :class:`matcher.learned.PairModel`."""

from learning.ranker import RankerModel, TrainingSet, train_ranker

__all__ = ["RankerModel", "TrainingSet", "train_ranker"]
