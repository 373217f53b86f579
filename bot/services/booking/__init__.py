"""The booking service: advisors, free times, bookings, moves, cancellations and
contact requests over HTTP (FastAPI), stored with SQLAlchemy (SQLite by default,
PostgreSQL when BOOKING_DATABASE_URL says so) and migrated with Alembic."""
