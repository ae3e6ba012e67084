"""Liveness and readiness, for load balancers and start-up scripts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.http.deps import CatalogueDep
from service.http.responses import JSONResponse
from service.http.schemas import Health, Ready

router = APIRouter(tags=["service"])


@router.get("/health", response_model=Health)
def health() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/ready", response_model=Ready, responses={503: {"model": Ready}})
def ready(cat: CatalogueDep) -> Any:
    """The model and the index are loaded and the index is as new as the database (503 otherwise). A write
    through another worker or server is caught up first: a process nobody asked since is not taken out of a
    load balancer's rotation for it."""
    cat.refresh_after_write()
    report = cat.readiness()
    return report if report["ready"] else JSONResponse(report, 503)
