"""Scoring that tests and benchmarks use: the held-out NLU gate and the knowledge base's evaluation."""
