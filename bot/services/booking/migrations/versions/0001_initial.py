"""Advisors, bookings with their history, and contact requests.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "advisors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("team", sa.String(120), nullable=False),
        sa.Column("topics", sa.String(400), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(12), nullable=False, unique=True),
        sa.Column("idempotency_key", sa.String(128), nullable=False, unique=True),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        sa.Column("advisor_id", sa.Integer, sa.ForeignKey("advisors.id"), nullable=False),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("ends_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("age", sa.Integer, nullable=False),
        sa.Column("phone", sa.String(32)),
        sa.Column("email", sa.String(254)),
        sa.Column("first_name", sa.String(60)),
        sa.Column("consent_text", sa.Text, nullable=False),
        sa.Column("conversation_id", sa.String(128)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index(
        "uq_bookings_advisor_start_booked",
        "bookings",
        ["advisor_id", "starts_at"],
        unique=True,
        sqlite_where=sa.text("status = 'booked'"),
        postgresql_where=sa.text("status = 'booked'"),
    )
    op.create_table(
        "booking_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("booking_id", sa.Integer, sa.ForeignKey("bookings.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("old_starts_at", sa.DateTime),
        sa.Column("new_starts_at", sa.DateTime),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "contact_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("idempotency_key", sa.String(128), nullable=False, unique=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("age", sa.Integer, nullable=False),
        sa.Column("phone", sa.String(32)),
        sa.Column("email", sa.String(254)),
        sa.Column("first_name", sa.String(60)),
        sa.Column("preferred_start", sa.DateTime),
        sa.Column("consent_text", sa.Text, nullable=False),
        sa.Column("conversation_id", sa.String(128)),
        sa.Column("booking_code", sa.String(12)),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("contact_requests")
    op.drop_table("booking_events")
    op.drop_index("uq_bookings_advisor_start_booked", table_name="bookings")
    op.drop_table("bookings")
    op.drop_table("advisors")
