"""SQLAlchemy 2.0 typed models. Alembic migrations in ``migrations/`` create these tables.

Tables:
    ``profile``: the one local profile (display name and participant id used in rooms).
    ``sessions``: every jam this profile hosted or joined, with its outcome.
    ``session_events``: each session's full event log as received, one row per event, keyed by
    ``(session_id, seq)`` so that a replayed or resumed delivery is stored once.
    ``personal_tasks``: this user's own tasks, kept across sessions.
    ``session_stats``: EXP and focus spans per session, derived from its log.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every Jamdesk table."""


class Profile(Base):
    """The local user. ``participant_id`` is random and only identifies them inside rooms."""

    __tablename__ = "profile"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    created_at_ms: Mapped[int] = mapped_column(Integer)
    avatar_color: Mapped[str] = mapped_column(String(7), default="#4F5BD5")


class SessionRow(Base):
    """One jam as this profile saw it.

    ``outcome`` is ``live`` while running, ``ended`` when the room ended, ``left`` when this
    profile left, ``handed_over`` when it hosted and handed the room on as it left, and
    ``interrupted`` when the app stopped without any of these.
    """

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_code: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(80))
    session_type: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    participant_id: Mapped[str] = mapped_column(String(32))
    started_at_ms: Mapped[int] = mapped_column(Integer)
    ended_at_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str] = mapped_column(String(16), default="live")
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    replay_of: Mapped[int | None] = mapped_column(Integer, nullable=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="")
    owner: Mapped[str] = mapped_column(String(64), default="")


class SessionEventRow(Base):
    """One event of a session's log, as the JSON the protocol carries."""

    __tablename__ = "session_events"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at_ms: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_session_events_kind", "session_id", "kind"),)


class PersonalTaskRow(Base):
    """A task of this computer's user, visible from any room (never sent to peers)."""

    __tablename__ = "personal_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at_ms: Mapped[int] = mapped_column(Integer)
    done_at_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SessionStatsRow(Base):
    """What a session counted for this user, derived from its log (a cache: the tamper check
    recomputes it). ``spans`` is JSON ``[[start_ms, end_ms], ...]`` of focus time,
    ``block_ends`` JSON ``[ms, ...]`` of when each credited block ended; ``set_aside`` says why
    the log's times do not add up ("" when they do: then its EXP counts)."""

    __tablename__ = "session_stats"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    exp: Mapped[int] = mapped_column(Integer)
    blocks: Mapped[int] = mapped_column(Integer)
    spans: Mapped[str] = mapped_column(Text)
    head_seq: Mapped[int] = mapped_column(Integer)
    block_ends: Mapped[str] = mapped_column(Text, default="[]")
    set_aside: Mapped[str] = mapped_column(Text, default="")
