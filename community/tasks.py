"""Community tasks; safe to run twice (a routed question is not routed again)."""

from __future__ import annotations

from celery import shared_task

from .services import discussion


@shared_task
def route_question(*, comment_id: int) -> int:
    """Route a question to staff of municipalities that have done what it asks about; how many bodies."""
    return len(discussion.question_route(comment_id=comment_id))
