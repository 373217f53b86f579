"""The staff dashboard /insight/: daily aggregates per channel read from the tracker store."""
