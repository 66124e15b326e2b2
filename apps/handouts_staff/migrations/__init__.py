"""The handouts store's schema history (Alembic). The platform runs it at worker start."""
