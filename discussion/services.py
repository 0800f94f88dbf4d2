"""Writing internal notes: a note on a draft or a boost, whose @mentions email the agency
members they name. Runs inside the brand's schema."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction

from content import selectors as content_selectors
from content.models import Draft
from discussion.errors import DiscussionError, NoSuchSubject, NotYourNote
from discussion.models import Note
from media import selectors as media_selectors
from media.models import Boost
from outbox.notifications import email_people
from tenants.models import Membership, User
from tenants.roles import AGENCY_ROLES, LEADS
from tenants.selectors import current_brand

MAX_BODY = 5000
# "@name" not preceded by a word character or "@" (so e-mail addresses are no mentions).
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.+-]+)")


@dataclass
class NoteAdded:
    note: Note
    # Mentions that notified nobody, each with why ("@sam: not on the brand's agency team").
    not_notified: list[str] = field(default_factory=list)


def _check_subject(*, subject_kind: str, subject_id: int) -> None:
    if subject_kind == Note.SubjectKind.DRAFT:
        try:
            content_selectors.get_draft(draft_id=subject_id)
        except Draft.DoesNotExist:
            raise NoSuchSubject(f"There is no draft {subject_id}.", field="draft") from None
    else:
        try:
            media_selectors.get_boost(boost_id=subject_id)
        except Boost.DoesNotExist:
            raise NoSuchSubject(f"There is no boost {subject_id}.", field="boost") from None


def _mentioned(body: str) -> tuple[list[int], list[str]]:
    """Agency members of the brand the body mentions, and the mentions that name nobody who
    may read internal notes (unknown names, client people)."""
    names = list(dict.fromkeys(m.rstrip(".") for m in MENTION.findall(body)))
    if not names:
        return [], []
    members = {
        username.lower(): (user_id, role)
        for user_id, username, role in Membership.objects.filter(
            brand=current_brand(), user__is_active=True
        ).values_list("user_id", "user__username", "role")
    }
    ids, missed = [], []
    for name in names:
        found = members.get(name.lower())
        if found is None:
            missed.append(f"@{name}: nobody on this brand has that username")
        elif found[1] not in AGENCY_ROLES:
            missed.append(f"@{name}: client people do not see internal notes")
        elif found[0] not in ids:
            ids.append(found[0])
    return ids, missed


def add_note(*, subject_kind: str, subject_id: int, body: str, actor: User) -> NoteAdded:
    """Add a note to a draft or boost and email, after the commit, each agency member it
    @mentions (not the author). Mentions of anyone else notify nobody and are reported."""
    body = body.strip()
    if not body:
        raise DiscussionError("Write something in the note.", field="body")
    if len(body) > MAX_BODY:
        raise DiscussionError(f"A note holds at most {MAX_BODY} characters.", field="body")
    _check_subject(subject_kind=subject_kind, subject_id=subject_id)
    ids, missed = _mentioned(body)
    notify = [i for i in ids if i != actor.pk]
    with transaction.atomic():
        note = Note.objects.create(
            subject_kind=subject_kind, subject_id=subject_id, author=actor, body=body, mentions=ids
        )
        if notify:
            who = actor.get_full_name() or actor.username
            email_people(
                user_ids=notify,
                subject=f"{who} mentioned you on {subject_kind} #{subject_id}",
                body=(
                    f"{who} wrote an internal note on {subject_kind} #{subject_id}:\n\n{body}\n\n"
                    "Internal notes are seen by the agency team only."
                ),
            )
    return NoteAdded(note=note, not_notified=missed)


def delete_note(*, note: Note, actor: User, actor_role: str | None) -> None:
    """Remove a note: its author may, and so may the brand's leads."""
    if note.author_id != actor.pk and actor_role not in LEADS:
        raise NotYourNote("Only the note's author or a lead may delete it.")
    note.delete()
