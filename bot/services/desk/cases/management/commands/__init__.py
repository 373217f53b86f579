"""serve, worker, purge, create_user and create_admin; each migrates the database first."""
