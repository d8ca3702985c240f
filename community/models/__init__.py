"""Community: practice cases, needs and GovTech solutions, joint procurement, discussion, search."""

from .cases import Adoption, CaseAttachment, CaseMetric, PracticeCase
from .discussion import Comment, CommentReport, ModerationAction
from .market import Need, Proposal, Solution, SolutionReference
from .procurement import (
    Participant,
    Procurement,
    ProcurementQuestion,
    SpecificationVersion,
    StageChange,
)
from .search import SearchEntry

__all__ = [
    "Adoption",
    "CaseAttachment",
    "CaseMetric",
    "Comment",
    "CommentReport",
    "ModerationAction",
    "Need",
    "Participant",
    "PracticeCase",
    "Procurement",
    "ProcurementQuestion",
    "Proposal",
    "SearchEntry",
    "Solution",
    "SolutionReference",
    "SpecificationVersion",
    "StageChange",
]
