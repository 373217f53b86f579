"""NLU components Rasa loads from config.yml: Danish normalising, the linear intent classifier,
the crisis guard and the knowledge-base retriever."""
