"""The HTTP front end: the app (:mod:`.app`), its dependencies (:mod:`.deps`), request and response models
(:mod:`.schemas`, :mod:`.event_schemas`), one router per resource (:mod:`.routes`)."""

from service.http.app import create_app

__all__ = ["create_app"]
