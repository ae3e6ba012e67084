"""One router per resource; :func:`service.http.app.create_app` includes them in this order."""

from service.http.routes import clusters, events, outcomes, profiles, relationships, requests, service, suggestions

ROUTERS = (service.router, profiles.router, relationships.router, suggestions.router, clusters.router, events.router,
           requests.router, outcomes.router)
