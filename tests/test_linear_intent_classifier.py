"""The linear intent classifier trains, ranks, and survives a save and load."""

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa.nlu.linear_intent_classifier import LinearIntentClassifier

# Three made-up "words" as features: one per intent.
VOCABULARY = {"su": 0, "job": 1, "hej": 2}


def featurized(text: str, intent: str = "") -> Message:
    vector = np.zeros((1, len(VOCABULARY)))
    for word in text.split():
        vector[0, VOCABULARY[word]] += 1
    message = Message({TEXT: text, **({INTENT: intent} if intent else {})})
    message.add_features(Features(scipy.sparse.coo_matrix(vector), FEATURE_TYPE_SENTENCE, TEXT, "test"))
    return message


def test_train_rank_persist_and_load(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear")
    context = ExecutionContext(GraphSchema({}), node_name="linear")
    config = {**LinearIntentClassifier.get_default_config(), "C": 10}
    classifier = LinearIntentClassifier.create(config, storage, resource, context)
    assert classifier.clf.C == 10

    examples = [featurized(t, i) for t, i in [("su", "ask_su"), ("su su", "ask_su"), ("job", "ask_job_help"),
                                              ("job job", "ask_job_help"), ("hej", "greet"), ("hej hej", "greet")]]
    classifier.train(TrainingData(examples))

    loaded = LinearIntentClassifier.load(config, storage, resource, context)
    (message,) = loaded.process([featurized("job")])
    assert message.get(INTENT)["name"] == "ask_job_help"
    ranking = message.get("intent_ranking")
    assert [r["name"] for r in ranking][0] == "ask_job_help"
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6
