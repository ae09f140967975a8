"""SQLAlchemy models; importing this package registers every table on `Base.metadata`."""

from models.access import Invitation, Role, RoleGrant
from models.after_joining import Question, Transfer, TransferStatus
from models.base import Base
from models.channels import ChatLink, LinkCode, ZaloChat
from models.figures import FiguresSource, PaperFigures, PeriodKind
from models.founding import Founding, FoundingAlert
from models.leads import Lead, LeadEvent, LeadStage
from models.members import ApplicationMessage, Counter, Member, MemberStatus
from models.org import Enterprise, EnterpriseTerm, Unit, UnitKind
from models.people import Application, ApplicationStatus, Person
from models.steering import JobRun, SteeringAssignment
from models.system import AuditEvent, FsmRecord, OutboxMessage, OutboxStatus, ProcessedUpdate
from models.targets import Target

__all__ = [
    "Application",
    "ApplicationMessage",
    "ApplicationStatus",
    "AuditEvent",
    "Base",
    "ChatLink",
    "Counter",
    "Enterprise",
    "EnterpriseTerm",
    "FiguresSource",
    "Founding",
    "FoundingAlert",
    "FsmRecord",
    "Invitation",
    "JobRun",
    "Lead",
    "LeadEvent",
    "LeadStage",
    "LinkCode",
    "Member",
    "MemberStatus",
    "OutboxMessage",
    "OutboxStatus",
    "PaperFigures",
    "PeriodKind",
    "Person",
    "ProcessedUpdate",
    "Question",
    "Role",
    "RoleGrant",
    "SteeringAssignment",
    "Target",
    "Transfer",
    "TransferStatus",
    "Unit",
    "UnitKind",
    "ZaloChat",
]
