"""Logistic-regression intent classifier with a tunable regularisation strength.

Rasa's LogisticRegressionClassifier fixes C=1.0 and names its saved file after the
graph node, which breaks loading when Rasa's training cache renames the node. This
subclass takes `C` from the config and saves under a fixed file name.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.rasa.nlu.trusted_skops import load_trusted

MODEL_FILE = "linear_intent_classifier.skops"
TRUSTED_TYPE_PREFIXES = ("sklearn.", "numpy.")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(LogisticRegressionClassifier):
    """Calibrated class probabilities on sparse n-gram features; trains in seconds."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0, "max_iter": 1000}

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))

    def process(self, messages: List[Message]) -> List[Message]:
        """Like Rasa's, but a message without features (empty or only whitespace) gets no
        intent (so the fallback answers) instead of crashing the turn."""
        featured = [m for m in messages if has_features(m)]
        if featured:
            super().process(featured)
        for message in messages:
            if not has_features(message):
                message.set("intent", {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set("intent_ranking", [], add_to_output=True)
        return messages

    def persist(self) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as model_dir:
            sio.dump(self.clf, model_dir / MODEL_FILE)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        component = cls(config, execution_context.node_name, model_storage, resource)
        with model_storage.read_from(resource) as model_dir:
            component.clf = load_trusted(model_dir / MODEL_FILE, TRUSTED_TYPE_PREFIXES)
        return component


def has_features(message: Message) -> bool:
    sparse = message.get_sparse_features(attribute=TEXT)[1]
    dense = message.get_dense_features(attribute=TEXT)[1]
    return (sparse is not None and sparse.features.shape[-1] > 0) or (dense is not None and dense.features.shape[-1] > 0)
