"""SQLAlchemy models; importing this package registers every table on `Base.metadata`."""

from models.access import Invitation, Role, RoleGrant
from models.base import Base
from models.leads import Lead, LeadEvent, LeadStage
from models.org import Enterprise, Unit, UnitKind
from models.people import Application, ApplicationStatus, Person
from models.system import AuditEvent, FsmRecord, OutboxMessage, OutboxStatus, ProcessedUpdate

__all__ = [
    "Application",
    "ApplicationStatus",
    "AuditEvent",
    "Base",
    "Enterprise",
    "FsmRecord",
    "Invitation",
    "Lead",
    "LeadEvent",
    "LeadStage",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "ProcessedUpdate",
    "Role",
    "RoleGrant",
    "Unit",
    "UnitKind",
]
