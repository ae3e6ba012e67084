"""One router per journey; :func:`service.web.attach` includes them in this order. Each journey keeps its
templates in ``templates/<journey>/``, its translations in ``translations/<lang>/<journey>.po`` and its
styles in ``static/css/<journey>.css``."""

from service.web.pages import clusters, common, firm, organiser, outcomes, participant, quality, register, schedule

ROUTERS = (common.router, firm.router, register.router, quality.router, participant.router, outcomes.router,
           organiser.router, schedule.router, clusters.router)
