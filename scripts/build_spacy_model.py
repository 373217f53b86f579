"""Builds the local Danish spaCy pipeline that Rasa's SpacyNLP loads.

No Danish model may be downloaded here, so the pipeline is spaCy's blank Danish
language (tokeniser rules) plus the lookup lemmatiser, whose table ships in the
spacy-lookups-data package.
"""

import sys
from pathlib import Path

import spacy


def build(target: Path) -> None:
    nlp = spacy.blank("da")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.meta["name"] = "vejviser"
    nlp.meta["description"] = "Danish tokeniser + lookup lemmatiser (spacy-lookups-data)"
    target.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    print(f"setup: built spaCy pipeline in {target}")


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "models/spacy/da_vejviser"))
