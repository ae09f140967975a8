"""SQLAlchemy models; importing this package registers every table on `Base.metadata`."""

from models.base import Base
from models.org import Enterprise, Unit, UnitKind
from models.people import Application, ApplicationStatus, Person
from models.system import AuditEvent, FsmRecord, ProcessedUpdate

__all__ = [
    "Application",
    "ApplicationStatus",
    "AuditEvent",
    "Base",
    "Enterprise",
    "FsmRecord",
    "Person",
    "ProcessedUpdate",
    "Unit",
    "UnitKind",
]
