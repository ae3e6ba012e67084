"""One router per resource; :func:`service.http.app.create_app` includes them in this order (quality before
profiles: ``/profiles/quality`` is not a profile id)."""

from service.http.routes import (
    clusters,
    events,
    outcomes,
    profiles,
    quality,
    relationships,
    requests,
    service,
    suggestions,
)

ROUTERS = (service.router, quality.router, profiles.router, relationships.router, suggestions.router, clusters.router,
           events.router, requests.router, outcomes.router)
